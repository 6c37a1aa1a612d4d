/** worker_threads entry: profiles the files in `workerData.paths` and posts progress and the profile back. */
import { parentPort, workerData } from "node:worker_threads";
import { profileFiles } from "./monitor.js";

const { paths } = workerData as { paths: string[] };
const profile = await profileFiles(paths, (rows) => parentPort?.postMessage({ rows }));
parentPort?.postMessage({ profile });
