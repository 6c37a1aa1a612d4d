/** How the demo reports a workflow run of the local runner (`@mlops/workflow-runner`). */
import type { WorkflowResult } from "@mlops/workflow-runner";

/** One line per job: `✔ train (success)`; failed steps are named. */
export function describeJobs(result: WorkflowResult): string[] {
  return result.jobs.map((job) => {
    const failed = job.steps.filter((s) => s.conclusion === "failure").map((s) => s.name);
    const mark = job.conclusion === "success" ? "✔" : job.conclusion === "skipped" ? "−" : "✘";
    return `${mark} job ${job.name}: ${job.conclusion}${failed.length > 0 ? ` (failed step: ${failed.join(", ")})` : ""}`;
  });
}
