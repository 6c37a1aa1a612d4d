import { isMainThread } from "node:worker_threads";
import { runAction } from "@mlops/action-kit";
import { runProfileWorker } from "@mlops/monitor";
import { main } from "./main.js";

// the bundle is also the profiling worker's entry (main passes its own URL to the worker pool)
if (isMainThread) await runAction(main);
else await runProfileWorker();
