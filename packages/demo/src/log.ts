/**
 * The demo's step-by-step log. `quiet` prints stage results and the summary; the default adds each
 * step and each job's conclusion; `verbose` also streams every line the workflows print.
 */
export type Verbosity = "quiet" | "normal" | "verbose";

export interface DemoLog {
  /** Every line written at `normal` level or above, for the HTML page. */
  readonly lines: string[];
  stage(index: number, total: number, title: string): void;
  step(message: string): void;
  ok(message: string): void;
  fail(message: string): void;
  skip(message: string): void;
  /** A line printed by a workflow run (shown with `--verbose` only). */
  runner(line: string): void;
  summary(message: string): void;
}

export function createDemoLog(verbosity: Verbosity, write: (line: string) => void = console.log): DemoLog {
  const lines: string[] = [];
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const emit = (line: string, level: Verbosity) => {
    if (level !== "verbose") lines.push(line);
    if (verbosity === "verbose" || level === "quiet" || (verbosity === "normal" && level === "normal"))
      write(line);
  };
  return {
    lines,
    stage: (index, total, title) => emit(`\n[${elapsed()}] ━━ stage ${index}/${total}: ${title}`, "quiet"),
    step: (message) => emit(`[${elapsed()}]   · ${message}`, "normal"),
    ok: (message) => emit(`[${elapsed()}]   ✔ ${message}`, "quiet"),
    fail: (message) => emit(`[${elapsed()}]   ✘ ${message}`, "quiet"),
    skip: (message) => emit(`[${elapsed()}]   − ${message}`, "quiet"),
    runner: (line) => emit(`            │ ${line}`, "verbose"),
    summary: (message) => emit(message, "quiet"),
  };
}
