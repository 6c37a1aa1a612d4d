import { existsSync, readFileSync } from "node:fs";

/**
 * Reads a `GITHUB_OUTPUT` / `GITHUB_ENV` / `GITHUB_STATE` file: `name=value` lines and
 * `name<<DELIMITER` … `DELIMITER` blocks, as actions/runner parses them (`FileCommandManager.cs`
 * EnvFileKeyValuePairs; docs "Workflow commands for GitHub Actions" → "Multiline strings"), with the
 * runner's error messages.
 */
export function readKeyValueFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(path)) return out;
  const text = readFileSync(path, "utf8");
  // lines with their line breaks, so that a value keeps its own `\r\n`/`\n`
  const lines = text.match(/[^\r\n]*(?:\r\n|\n|$)/g)?.filter((line) => line !== "") ?? [];
  const strip = (line: string) => line.replace(/\r?\n$/, "");
  for (let i = 0; i < lines.length; i++) {
    const line = strip(lines[i] ?? "");
    if (line === "") continue;
    const eq = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else if (heredoc >= 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (name === "" || delimiter === "") {
        throw new Error(`Invalid format '${line}'. Name must not be empty and delimiter must not be empty`);
      }
      let value = "";
      i++;
      for (;;) {
        const raw = lines[i];
        if (raw === undefined) throw new Error(`Invalid value. Matching delimiter not found '${delimiter}'`);
        if (strip(raw) === delimiter) break;
        if (!/\n$/.test(raw)) throw new Error("Invalid value. EOF marker missing new line.");
        value += raw;
        i++;
      }
      out[name] = value.replace(/\r?\n$/, "");
    } else {
      throw new Error(`Invalid format '${line}'`);
    }
  }
  return out;
}

/** Reads a `GITHUB_PATH` file: one directory per line. */
export function readPathFile(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
