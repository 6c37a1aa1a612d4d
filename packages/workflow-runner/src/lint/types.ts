/** One problem found in a workflow file by a workflow check. */
export interface WorkflowFinding {
  /** Repository-relative path of the workflow file. */
  file: string;
  /** Which check produced the finding. */
  check: "parse" | "actionlint" | "injection" | "pinning" | "permissions" | "timeout";
  /** 1-based line when known. */
  line?: number;
  message: string;
}
