export { hashFiles } from "./hash-files.js";
export type {
  Annotation,
  Conclusion,
  JobResult,
  RunWorkflowOptions,
  StepResult,
  WorkflowResult,
} from "./types.js";
export { runWorkflow, workflowRunEvent } from "./workflow.js";
