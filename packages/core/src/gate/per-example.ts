import { InputError } from "../errors.js";
import { streamCsvText } from "../input/csv.js";

/** One example's result (e.g. correctness 0/1 or loss). */
export interface PerExample {
  id: string;
  value: number;
}

/**
 * Parses per-example results from CSV with a header row (`valueColumn` may be chosen from the header). `true`/`false` count as 1/0.
 * Errors (InputError with file and line) on a missing column, a non-numeric value or a duplicate id.
 */
export function parsePerExample(
  text: string,
  file: string,
  columns: { idColumn: string; valueColumn: string | ((header: readonly string[]) => string) },
): PerExample[] {
  // record by record: a million-row file never holds every record's cells at once
  const { header, rows: records } = streamCsvText(text, file, { what: "per-example results" });
  const valueColumn =
    typeof columns.valueColumn === "function" ? columns.valueColumn(header) : columns.valueColumn;
  const idIndex = header.indexOf(columns.idColumn);
  const valueIndex = header.indexOf(valueColumn);
  for (const [name, index] of [
    [columns.idColumn, idIndex],
    [valueColumn, valueIndex],
  ] as const) {
    if (index < 0)
      throw new InputError(`column "${name}" not found in ${file}; columns are: ${header.join(", ")}`, {
        position: { file, line: 1 },
      });
  }
  const seen = new Set<string>();
  const rows: PerExample[] = [];
  for (const { cells, line } of records) {
    const id = cells[idIndex] ?? "";
    const raw = (cells[valueIndex] ?? "").toLowerCase();
    const value = raw === "true" ? 1 : raw === "false" ? 0 : raw === "" ? Number.NaN : Number(raw);
    if (id === "")
      throw new InputError(`empty id in column "${columns.idColumn}"`, { position: { file, line } });
    if (!Number.isFinite(value))
      throw new InputError(`expected a number in column "${valueColumn}", got "${cells[valueIndex] ?? ""}"`, {
        position: { file, line },
      });
    if (seen.has(id)) throw new InputError(`duplicate example id "${id}"`, { position: { file, line } });
    seen.add(id);
    rows.push({ id, value });
  }
  return rows;
}

const sample = (ids: string[]): string =>
  ids.slice(0, 5).join(", ") + (ids.length > 5 ? `, … (${ids.length} in all)` : "");

/**
 * Pairs head and baseline results by id (head order). Errors when the id sets differ, naming examples on each side.
 * Ids are unique on each side (as `parsePerExample` returns them). Files in the same order pair row by row;
 * otherwise one map of the baseline (id → position) and a flag per baseline row: no second set of a million ids.
 */
export function alignPerExample(
  head: readonly PerExample[],
  base: readonly PerExample[],
): { ids: string[]; head: number[]; base: number[] } {
  if (head.length === base.length && head.every((r, i) => r.id === (base[i] as PerExample).id))
    // the same ids in the same order (both files written by one evaluation script): no map of a million ids
    return { ids: head.map((r) => r.id), head: head.map((r) => r.value), base: base.map((r) => r.value) };
  const basePosition = new Map<string, number>();
  for (let i = 0; i < base.length; i++) basePosition.set((base[i] as PerExample).id, i);
  const matched = new Uint8Array(base.length);
  let matchedCount = 0;
  const onlyHead: string[] = [];
  const ids: string[] = new Array(head.length);
  const headValues: number[] = new Array(head.length);
  const baseValues: number[] = new Array(head.length);
  for (let i = 0; i < head.length; i++) {
    const row = head[i] as PerExample;
    const j = basePosition.get(row.id);
    ids[i] = row.id;
    headValues[i] = row.value;
    if (j === undefined) {
      onlyHead.push(row.id);
      baseValues[i] = Number.NaN;
      continue;
    }
    baseValues[i] = (base[j] as PerExample).value;
    if (matched[j] === 0) {
      matched[j] = 1;
      matchedCount++;
    }
  }
  if (onlyHead.length > 0 || matchedCount < basePosition.size) {
    const headIds = new Set(ids);
    const onlyBase = base.filter((r) => !headIds.has(r.id)).map((r) => r.id);
    const parts: string[] = [];
    if (onlyHead.length > 0) parts.push(`only in head: ${sample(onlyHead)}`);
    if (onlyBase.length > 0) parts.push(`only in baseline: ${sample(onlyBase)}`);
    throw new InputError(
      `per-example results of head and baseline cover different examples (${parts.join("; ")})`,
    );
  }
  return { ids, head: headValues, base: baseValues };
}
