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

/** Handles `::command …::` lines of a step's stdout; returns the line to log, or undefined. */
export class WorkflowCommands {
  private groupDepth = 0;

  constructor(
    private readonly log: RunLog,
    private readonly indent: string,
    private readonly onAnnotation: (annotation: Annotation) => void,
    private readonly onOutput: (name: string, value: string) => void,
    private readonly onState: (name: string, value: string) => void,
  ) {}

  handle(raw: string): void {
    const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/i.exec(raw);
    const pad = this.indent + "  ".repeat(this.groupDepth);
    if (!match) {
      this.log.line(`${pad}${raw}`);
      return;
    }
    const command = (match[1] ?? "").toLowerCase();
    const props = parseProperties(match[2] ?? "");
    const message = unescapeData(match[3] ?? "");
    switch (command) {
      case "add-mask":
        this.log.addMask(message);
        return;
      case "group":
        this.log.line(`${pad}▸ ${message}`);
        this.groupDepth++;
        return;
      case "endgroup":
        if (this.groupDepth > 0) this.groupDepth--;
        return;
      case "debug":
        if (process.env.ACTIONS_STEP_DEBUG === "true") this.log.line(`${pad}[debug] ${message}`);
        return;
      case "error":
      case "warning":
      case "notice": {
        const annotation: Annotation = { level: command, message };
        if (props.file) annotation.file = props.file;
        if (props.line) annotation.line = Number(props.line);
        if (props.title) annotation.title = props.title;
        this.onAnnotation(annotation);
        const at = annotation.file
          ? ` ${annotation.file}${annotation.line ? `:${annotation.line}` : ""}:`
          : "";
        this.log.line(
          `${pad}${command === "error" ? "✖ error" : command === "warning" ? "⚠ warning" : "ℹ notice"}${at} ${message}`,
        );
        return;
      }
      case "set-output":
        if (props.name) this.onOutput(props.name, message);
        return;
      case "save-state":
        if (props.name) this.onState(props.name, message);
        return;
      default:
        this.log.line(`${pad}${raw}`);
    }
  }
}

function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = unescapeProperty(part.slice(eq + 1));
  }
  return out;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%25/g, "%");
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/gi, ":").replace(/%2C/gi, ",");
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
