import type { Annotation } from "./types.js";

/** The live log: every line goes through the masks (secrets, `::add-mask::`) before it is written. */
export class RunLog {
  private readonly masks = new Set<string>();
  private sorted: string[] = [];

  constructor(private readonly sink: (line: string) => void) {}

  addMask(value: string): void {
    for (const part of [value, ...value.split(/\r?\n/)]) {
      const trimmed = part.trim();
      if (trimmed.length < 1 || this.masks.has(trimmed)) continue;
      this.masks.add(trimmed);
    }
    this.sorted = [...this.masks].sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let out = text;
    for (const secret of this.sorted) out = out.split(secret).join("***");
    return out;
  }

  line(text: string): void {
    for (const line of text.split(/\r?\n/)) this.sink(this.mask(line));
  }
}

/** What a step's workflow commands change (see {@link WorkflowCommands}). */
export interface CommandSink {
  onAnnotation: (annotation: Annotation) => void;
  onOutput: (name: string, value: string) => void;
  onState: (name: string, value: string) => void;
  /** `::set-env` (only with `ACTIONS_ALLOW_UNSECURE_COMMANDS=true`). */
  onEnv: (name: string, value: string) => void;
  /** `::add-path` (only with `ACTIONS_ALLOW_UNSECURE_COMMANDS=true`). */
  onPath: (dir: string) => void;
  /**
   * A command failed: the runner logs the error and fails the step (`context.CommandResult = Failed`);
   * the receiver reports `message` (once).
   */
  onFailure: (message: string) => void;
  /** A variable of the step's env context (`ACTIONS_ALLOW_UNSECURE_COMMANDS`, `…_STOPCOMMAND_TOKENS`). */
  env: (name: string) => string | undefined;
}

/**
 * actions/runner `src/Runner.Common/Constants.cs` UnsupportedCommandMessage (the deprecation warning of
 * `set-output`/`save-state`) and UnsupportedCommandMessageDisabled (`set-env`/`add-path` refused).
 */
export const DEPRECATED_COMMAND = (command: string) =>
  `The \`${command}\` command is deprecated and will be disabled soon. Please upgrade to using Environment Files. For more information see: https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/`;
export const DISABLED_COMMAND = (command: string) =>
  `The \`${command}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`. For more information see: https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/`;
/** Constants.cs UnsupportedStopCommandTokenDisabled. */
export const INVALID_STOP_TOKEN =
  "You cannot use a endToken that is an empty string, the string 'pause-logging', or another workflow command. For more information see: https://docs.github.com/actions/learn-github-actions/workflow-commands-for-github-actions#example-stopping-and-starting-workflow-commands or opt into insecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS` environment variable to `true`.";

/** The commands GitHub's runner registers (ActionCommandManager.cs command extensions). */
const COMMANDS = new Set([
  "set-env",
  "set-output",
  "save-state",
  "add-mask",
  "add-path",
  "add-matcher",
  "remove-matcher",
  "debug",
  "warning",
  "error",
  "notice",
  "group",
  "endgroup",
  "echo",
]);
/** set-env/add-path also refuse to touch these (ActionCommandManager.cs `_setEnvBlockList`). */
export const SET_ENV_BLOCK_LIST = ["NODE_OPTIONS"];

/**
 * Handles the `::command prop=value,…::data` lines of a step's stdout as actions/runner does
 * (`ActionCommand.TryParseV2`, `ActionCommandManager.TryProcessCommand`; docs "Workflow commands for GitHub
 * Actions", https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions):
 * leading whitespace allowed; unknown commands are plain output; `stop-commands` pauses processing until
 * its token; `echo::on` echoes each command; a failing command fails the step.
 */
export class WorkflowCommands {
  private groupDepth = 0;
  private stopToken: string | undefined;
  private echo = false;
  private warnedDeprecated = new Set<string>();

  constructor(
    private readonly log: RunLog,
    private readonly indent: string,
    private readonly sink: CommandSink,
  ) {}

  private allowed(name: string): boolean {
    const value = process.env[name] ?? this.sink.env(name);
    return (value ?? "").trim().toLowerCase() === "true";
  }

  handle(raw: string): void {
    const pad = this.indent + "  ".repeat(this.groupDepth);
    const parsed = parseCommand(raw, this.stopToken);
    if (parsed === undefined) {
      this.log.line(`${pad}${raw}`);
      return;
    }
    const { command, props, message } = parsed;
    if (this.stopToken !== undefined) {
      // only the resume token is a command while stopped
      if (command.toLowerCase() === this.stopToken.toLowerCase()) this.stopToken = undefined;
      this.log.line(`${pad}${raw}`);
      return;
    }
    if (command === "stop-commands") {
      const invalid = message === "" || COMMANDS.has(message) || message.toLowerCase() === "pause-logging";
      if (invalid && !this.allowed("ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS")) {
        this.fail(raw, INVALID_STOP_TOKEN);
        return;
      }
      this.stopToken = message;
      if (message.length > 6) this.log.addMask(message);
      this.log.line(`${pad}${raw}`);
      return;
    }
    if (this.echo && command !== "add-mask") this.log.line(`${pad}${raw}`);
    switch (command) {
      case "add-mask":
        if (message.trim() === "") {
          this.warn(pad, "Can't add secret mask for empty string in ##[add-mask] command.");
          return;
        }
        this.log.addMask(message);
        if (this.echo) this.log.line(`${pad}::add-mask::***`);
        return;
      case "group":
        this.log.line(`${pad}▸ ${message}`);
        this.groupDepth++;
        return;
      case "endgroup":
        if (this.groupDepth > 0) this.groupDepth--;
        return;
      case "echo": {
        const value = message.trim().toUpperCase();
        if (value === "ON") this.echo = true;
        else if (value === "OFF") this.echo = false;
        else
          this.fail(
            raw,
            `Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: '${message}'.`,
          );
        return;
      }
      case "debug":
        if (process.env.ACTIONS_STEP_DEBUG === "true" || this.sink.env("ACTIONS_STEP_DEBUG") === "true")
          this.log.line(`${pad}[debug] ${message}`);
        return;
      case "error":
      case "warning":
      case "notice": {
        const annotation: Annotation = { level: command, message };
        if (props.file) annotation.file = props.file;
        if (props.line) annotation.line = Number(props.line);
        if (props.col) annotation.column = Number(props.col);
        if (props.endLine) annotation.endLine = Number(props.endLine);
        if (props.endColumn) annotation.endColumn = Number(props.endColumn);
        if (props.title) annotation.title = props.title;
        this.sink.onAnnotation(annotation);
        const at = annotation.file
          ? ` ${annotation.file}${annotation.line ? `:${annotation.line}` : ""}:`
          : "";
        this.log.line(
          `${pad}${command === "error" ? "✖ error" : command === "warning" ? "⚠ warning" : "ℹ notice"}${at} ${message}`,
        );
        return;
      }
      case "set-output":
      case "save-state": {
        // still honoured, with GitHub's deprecation warning (once per step)
        if (!this.warnedDeprecated.has(command)) {
          this.warnedDeprecated.add(command);
          this.warn(pad, DEPRECATED_COMMAND(command));
        }
        if (!props.name) {
          this.fail(raw, `Required field 'name' is missing in ##[${command}] command.`);
          return;
        }
        if (command === "set-output") this.sink.onOutput(props.name, message);
        else this.sink.onState(props.name, message);
        return;
      }
      case "set-env":
      case "add-path": {
        if (!this.allowed("ACTIONS_ALLOW_UNSECURE_COMMANDS")) {
          this.fail(raw, DISABLED_COMMAND(command));
          return;
        }
        if (command === "add-path") {
          if (message === "") this.fail(raw, "Parameter 'path' cannot be null or empty.");
          else this.sink.onPath(message);
          return;
        }
        if (!props.name) {
          this.fail(raw, "Required field 'name' is missing in ##[set-env] command.");
          return;
        }
        const blocked = SET_ENV_BLOCK_LIST.find((b) => b.toLowerCase() === props.name?.toLowerCase());
        if (blocked) {
          const text = `Can't update ${blocked} environment variable using ::set-env:: command.`;
          this.sink.onAnnotation({ level: "error", message: text });
          this.log.line(`${pad}✖ error ${text}`);
          return;
        }
        this.sink.onEnv(props.name, message);
        return;
      }
      case "add-matcher":
      case "remove-matcher":
        // problem matchers are not applied by the local runner
        this.log.line(`${pad}${raw}`);
        return;
      default:
        this.log.line(`${pad}${raw}`);
    }
  }

  private warn(pad: string, message: string): void {
    this.sink.onAnnotation({ level: "warning", message });
    this.log.line(`${pad}⚠ warning ${message}`);
  }

  /** ActionCommandManager: "Unable to process command '…' successfully." then the error; the step fails. */
  private fail(raw: string, message: string): void {
    const pad = this.indent + "  ".repeat(this.groupDepth);
    // the message itself is logged and annotated once, as the step's error
    this.log.line(`${pad}✖ Unable to process command '${raw.trim()}' successfully.`);
    this.sink.onFailure(message);
  }
}

/**
 * actions/runner `ActionCommand.TryParseV2` (`::name k=v,k2=v2::data`, leading whitespace allowed), then
 * the legacy `TryParse` (`##[name k=v;k2=v2]data` anywhere in the line); `name` must be one of the
 * runner's commands (or the current stop token).
 */
function parseCommand(
  raw: string,
  stopToken: string | undefined,
): { command: string; props: Record<string, string>; message: string } | undefined {
  const known = (command: string) =>
    COMMANDS.has(command) ||
    command === "stop-commands" ||
    (stopToken !== undefined && command.toLowerCase() === stopToken.toLowerCase());
  const text = raw.trimStart();
  if (text.startsWith("::")) {
    const end = text.indexOf("::", 2);
    if (end >= 0) {
      const info = text.slice(2, end);
      const space = info.indexOf(" ");
      const command = space < 0 ? info : info.slice(0, space);
      if (known(command)) {
        return {
          command,
          props: space < 0 ? {} : parseProperties(info.slice(space + 1).trim(), ",", unescapeProperty),
          message: unescapeData(text.slice(end + 2)),
        };
      }
    }
  }
  const prefix = raw.indexOf("##[");
  if (prefix < 0) return undefined;
  const close = raw.indexOf("]", prefix);
  if (close < 0) return undefined;
  const info = raw.slice(prefix + 3, close);
  const space = info.indexOf(" ");
  const command = space < 0 ? info : info.slice(0, space);
  if (!known(command)) return undefined;
  return {
    command,
    props: space < 0 ? {} : parseProperties(info.slice(space + 1), ";", unescapeLegacy),
    message: unescapeLegacy(raw.slice(close + 1)),
  };
}

function parseProperties(
  text: string,
  separator: string,
  decode: (text: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(separator)) {
    const eq = part.indexOf("=");
    if (eq > 0 && eq < part.length - 1) out[part.slice(0, eq)] = decode(part.slice(eq + 1));
  }
  return out;
}

/** Replaces each escape in the runner's order (`%25` last), case-sensitively, as `ActionCommand.cs`. */
function unescapeWith(mappings: Array<[string, string]>): (text: string) => string {
  return (text) => mappings.reduce((out, [token, escaped]) => out.split(escaped).join(token), text);
}
const unescapeData = unescapeWith([
  ["\r", "%0D"],
  ["\n", "%0A"],
  ["%", "%25"],
]);
const unescapeProperty = unescapeWith([
  ["\r", "%0D"],
  ["\n", "%0A"],
  [":", "%3A"],
  [",", "%2C"],
  ["%", "%25"],
]);
const unescapeLegacy = unescapeWith([
  [";", "%3B"],
  ["\r", "%0D"],
  ["\n", "%0A"],
  ["]", "%5D"],
  ["%", "%25"],
]);

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
