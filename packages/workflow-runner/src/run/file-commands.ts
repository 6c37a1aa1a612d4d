import { existsSync, readFileSync } from "node:fs";

/**
 * Reads a `GITHUB_OUTPUT` / `GITHUB_ENV` / `GITHUB_STATE` file: `name=value` lines and
 * `name<<DELIMITER` … `DELIMITER` blocks, as the runner parses them.
 */
export function readKeyValueFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(path)) return out;
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") continue;
    const heredoc = line.indexOf("<<");
    const eq = line.indexOf("=");
    if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      const body: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) body.push(lines[i++] ?? "");
      if (i >= lines.length) throw new Error(`Matching delimiter not found '${delimiter}'`);
      out[name] = body.join("\n");
    } else if (eq > 0) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
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
