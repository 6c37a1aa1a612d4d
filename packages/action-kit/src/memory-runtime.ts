import { fitJobSummary, measure } from "@mlops/core";
import type { ActionRuntime, AnnotationPosition } from "./runtime.js";

export interface RecordedLine {
  level: "info" | "debug" | "notice" | "warning" | "error";
  message: string;
  position?: AnnotationPosition;
}

/** An in-memory runtime for tests and the CLI: everything an action did, as data. */
export interface MemoryRuntime extends ActionRuntime {
  lines: RecordedLine[];
  outputs: Record<string, string>;
  summary: string[];
  masked: string[];
  failure: string | undefined;
}

export function createMemoryRuntime(
  options: { echo?: (line: string) => void; debug?: boolean } = {},
): MemoryRuntime {
  const runtime: MemoryRuntime = {
    lines: [],
    outputs: {},
    summary: [],
    masked: [],
    failure: undefined,
    log: {
      info: (message) => record("info", message),
      debug: (message) => record("debug", message),
      notice: (message, position) => record("notice", message, position),
      warning: (message, position) => record("warning", message, position),
      error: (message, position) => record("error", message, position),
      group: async (name, fn) => {
        record("info", `▸ ${name}`);
        return fn();
      },
    },
    setOutput: (name, value) => {
      runtime.outputs[name] = typeof value === "object" ? JSON.stringify(value) : String(value);
    },
    appendSummary: async (markdown) => {
      // As on GitHub: one step's summary holds at most 1 MiB of UTF-8 (each part ends with a newline).
      const used = runtime.summary.reduce((sum, part) => sum + measure(part, "bytes") + 1, 0);
      runtime.summary.push(fitJobSummary(markdown, used));
    },
    mask: (secret) => {
      runtime.masked.push(secret);
    },
    fail: (message, position) => {
      runtime.failure = message;
      record("error", message, position);
    },
    isDebug: () => options.debug ?? false,
  };
  function record(level: RecordedLine["level"], message: string, position?: AnnotationPosition): void {
    runtime.lines.push(position ? { level, message, position } : { level, message });
    if (level !== "debug" || options.debug)
      options.echo?.(level === "info" ? message : `${level}: ${message}`);
  }
  return runtime;
}
