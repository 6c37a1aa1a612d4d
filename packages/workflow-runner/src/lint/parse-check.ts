import { NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import type { WorkflowFinding } from "./types.js";

/** Validates a workflow against GitHub's workflow schema with `@actions/workflow-parser`. */
export function checkWorkflowSchema(file: string, content: string): WorkflowFinding[] {
  const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  return result.context.errors.getErrors().map((error) => ({
    file,
    check: "parse" as const,
    message: error.message,
  }));
}
