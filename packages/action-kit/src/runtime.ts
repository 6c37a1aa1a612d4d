/**
 * The ports an action's logic talks to. `@actions/core` implements them in `github-runtime.ts`; tests and
 * the CLI use `createMemoryRuntime`/console implementations. Domain packages never see `@actions/*`.
 */

export interface AnnotationPosition {
  file?: string;
  line?: number;
  column?: number;
  title?: string;
}

export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  notice(message: string, position?: AnnotationPosition): void;
  warning(message: string, position?: AnnotationPosition): void;
  error(message: string, position?: AnnotationPosition): void;
  /** Folds the output of `fn` into a collapsible group in the log. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface ActionRuntime {
  log: Logger;
  /** Sets a step output; objects and arrays are written as JSON. */
  setOutput(name: string, value: string | number | boolean | object): void;
  /** Appends markdown to the job summary (cut to what is left of the step's 1 MiB, with a note). */
  appendSummary(markdown: string): Promise<void>;
  /** Hides a value in all later log output. */
  mask(secret: string): void;
  /** Marks the step failed with one clear message: one `::error`, at `position` when given. */
  fail(message: string, position?: AnnotationPosition): void;
  isDebug(): boolean;
}
