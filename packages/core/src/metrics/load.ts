import { existsSync } from "node:fs";
import { extname } from "node:path";
import { InputError } from "../errors.js";
import { parseCsvText } from "../input/csv.js";
import { checkJsonUniqueKeys, parseJsonText, parseYamlText, readInputText } from "../input/limits.js";
import type { MetricValues } from "../types.js";

/** A leaf that is not a finite number: reported to the user, never silently dropped. */
export interface NonNumericLeaf {
  path: string;
  value: unknown;
}

export interface LoadedMetrics {
  file: string;
  metrics: MetricValues;
  nonNumeric: NonNumericLeaf[];
}

export type MetricsFormat = "json" | "yaml" | "csv";

/**
 * Flattens nested objects to dot paths (`{"train": {"loss": 0.1}}` → `train.loss`). Arrays are indexed
 * (`a.0.b`), as DVC does for lists. Numbers must be finite; numeric strings are not numbers here
 * (CSV cells are parsed before they reach this function).
 */
export function flattenMetrics(
  value: unknown,
  prefix = "",
): { metrics: MetricValues; nonNumeric: NonNumericLeaf[] } {
  const metrics: MetricValues = {};
  const nonNumeric: NonNumericLeaf[] = [];
  // Iterative (an explicit stack, in document order): nesting depth is bounded by the parsers, not the JS stack.
  const stack: { node: unknown; path: string }[] = [{ node: value, path: prefix }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (typeof node === "number" && Number.isFinite(node)) {
      metrics[path] = node;
    } else if (node !== null && typeof node === "object") {
      const children = Array.isArray(node) ? [...node.entries()] : Object.entries(node);
      for (let i = children.length - 1; i >= 0; i--) {
        const [key, child] = children[i]!;
        stack.push({ node: child, path: path ? `${path}.${key}` : String(key) });
      }
    } else {
      // YAML's .nan/.inf are numbers that are not finite: kept as "NaN"/"Infinity" (JSON would show null)
      nonNumeric.push({ path, value: typeof node === "number" ? String(node) : node });
    }
  }
  return { metrics, nonNumeric };
}

export function formatOf(file: string): MetricsFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".csv" || ext === ".tsv") return "csv";
  return "json";
}

function parseCsv(text: string, file: string): { metrics: MetricValues; nonNumeric: NonNumericLeaf[] } {
  const { header, rows } = parseCsvText(text, file, { what: "metrics CSV" });
  if (rows.length === 0) {
    throw new InputError("expected a CSV of metrics: a header and a row, or `name,value` rows", {
      position: { file, line: 1 },
    });
  }
  const metrics: MetricValues = {};
  const origin = new Map<string, number>();
  const nonNumeric: NonNumericLeaf[] = [];
  const put = (name: string, raw: string, line: number) => {
    const earlier = origin.get(name);
    if (earlier !== undefined)
      throw new InputError(`metric "${name}" is given twice (lines ${earlier} and ${line})`, {
        position: { file, line },
      });
    origin.set(name, line);
    if (/^[+-]?\d+,\d+$/.test(raw))
      throw new InputError(
        `metric "${name}" is "${raw}", a number with a decimal comma: write it with a decimal point (${raw.replace(",", ".")})`,
        { position: { file, line } },
      );
    const value = raw === "" ? Number.NaN : Number(raw);
    if (Number.isFinite(value)) metrics[name] = value;
    else nonNumeric.push({ path: name, value: raw });
  };
  const nameValue = header.length === 2 && /^(name|metric)$/i.test(header[0]!) && /^value$/i.test(header[1]!);
  if (nameValue) {
    for (const row of rows) put(row.cells[0]!, row.cells[1]!, row.line);
  } else {
    // a wide table (one column per metric, e.g. a log of epochs): the last row holds the final values
    const last = rows[rows.length - 1]!;
    for (const [index, name] of header.entries()) if (name !== "") put(name, last.cells[index]!, last.line);
  }
  return { metrics, nonNumeric };
}

/** Parses the text of a metrics file; errors name the file and, where known, line and column. */
export function parseMetrics(text: string, format: MetricsFormat, file: string): LoadedMetrics {
  if (text.trim() === "")
    throw new InputError("expected metrics, but the file is empty", { position: { file } });
  if (format === "csv") return { file, ...parseCsv(text, file) };
  const data =
    format === "json"
      ? parseJsonText(text, file, "JSON", { nonFinite: "string" })
      : parseYamlText(text, file, "YAML", { mergeKeys: true }).data;
  if (format === "json") checkJsonUniqueKeys(text, file);
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new InputError('expected an object of metrics (name: number), e.g. {"accuracy": 0.93}', {
      position: { file },
    });
  }
  return { file, ...flattenMetrics(data) };
}

/** Reads and parses one metrics file (format from its extension). */
export function loadMetricsFile(file: string): LoadedMetrics {
  if (!existsSync(file)) throw new InputError(`metrics file not found: ${file}`);
  const text = readInputText(file);
  return parseMetrics(text, formatOf(file), file);
}

/** Loads several files into one set of metrics; a name defined by two files is an error naming both. */
export function loadMetricsFiles(files: string[]): LoadedMetrics & { files: string[] } {
  const metrics: MetricValues = {};
  const origin: Record<string, string> = {};
  const nonNumeric: NonNumericLeaf[] = [];
  for (const file of files) {
    const loaded = loadMetricsFile(file);
    for (const [name, value] of Object.entries(loaded.metrics)) {
      if (origin[name] !== undefined) {
        throw new InputError(`metric "${name}" is defined in both ${origin[name]} and ${file}`);
      }
      origin[name] = file;
      metrics[name] = value;
    }
    nonNumeric.push(...loaded.nonNumeric.map((leaf) => ({ ...leaf, path: `${file}:${leaf.path}` })));
  }
  return { file: files.join(", "), files, metrics, nonNumeric };
}
