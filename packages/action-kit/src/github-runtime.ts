import { statSync } from "node:fs";
import * as core from "@actions/core";
import { fitJobSummary } from "@mlops/core";
import type { ActionRuntime, AnnotationPosition } from "./runtime.js";

function annotation(position?: AnnotationPosition): core.AnnotationProperties | undefined {
  if (!position) return undefined;
  const props: core.AnnotationProperties = {};
  if (position.title) props.title = position.title;
  if (position.file) props.file = position.file;
  if (position.line !== undefined) props.startLine = position.line;
  if (position.column !== undefined) props.startColumn = position.column;
  return props;
}

/** The runtime of a real GitHub Actions step, through `@actions/core`. */
export function createGitHubRuntime(): ActionRuntime {
  return {
    log: {
      info: (message) => core.info(message),
      debug: (message) => core.debug(message),
      notice: (message, position) => core.notice(message, annotation(position)),
      warning: (message, position) => core.warning(message, annotation(position)),
      error: (message, position) => core.error(message, annotation(position)),
      group: (name, fn) => core.group(name, fn),
    },
    setOutput: (name, value) =>
      core.setOutput(name, typeof value === "object" ? JSON.stringify(value) : value),
    appendSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) {
        core.info(markdown);
        return;
      }
      // The step's summary file holds at most 1 MiB (bytes): what is already there counts.
      let used = 0;
      try {
        used = statSync(process.env.GITHUB_STEP_SUMMARY).size;
      } catch {
        used = 0;
      }
      await core.summary.addRaw(fitJobSummary(markdown, used), true).write();
      core.summary.emptyBuffer();
    },
    mask: (secret) => core.setSecret(secret),
    // core.setFailed is exitCode 1 plus core.error(message): the same, with the annotation's position, so a
    // bad input file is ONE ::error at its file and line (issue 19)
    fail: (message, position) => {
      process.exitCode = 1;
      core.error(message, annotation(position));
    },
    isDebug: () => core.isDebug(),
  };
}
