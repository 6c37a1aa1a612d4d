/** worker_threads entry (bundled beside the caller as `profile-worker.js`). */
import { runProfileWorker } from "./monitor.js";

await runProfileWorker();
