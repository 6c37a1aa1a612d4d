/** Entry points for the CLI and the action: profile data files (streaming, optionally in worker threads) and compare. */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { describeError, InputError, MlopsError, type SourcePosition } from "@mlops/core";
import { type ColumnType, type ColumnValues, inferType, isNull, toNumber } from "./columns.js";
import { type CompareOptions, compareProfiles, type MonitoringReport } from "./compare.js";
import { PerformanceBuilder, type PerformanceSpec } from "./performance.js";
import { type ColumnProfile, type Profile, ProfileBuilder } from "./profile.js";
import { delimiterLabel, type ReadOptions, readTable, type TableLayout } from "./readers/index.js";

export interface ProfileOptions {
  /** Declared column types (mlops.yml `monitoring.columns.<name>.type`); the rest are inferred. */
  types?: Record<string, ColumnType>;
  /** Label and prediction columns: performance state goes into the profile. */
  performance?: PerformanceSpec;
  /** Skip malformed rows (reported through `onSkip`) instead of failing. */
  skipBadRows?: boolean;
  onSkip?: (file: string, line: number, reason: string) => void;
  /** CSV layout (mlops.yml `monitoring.delimiter`, `header`, `columns`): see {@link ReadOptions}. */
  delimiter?: string;
  header?: boolean;
  columnNames?: string[];
  /** Reader bounds (mlops.yml `monitoring.max_line_bytes`, `max_decompressed_bytes`, `max_columns`): see {@link ReadOptions}. */
  maxLineBytes?: number;
  maxDecompressedBytes?: number;
  maxColumns?: number;
  /** Called once per data file with what the reader made of it. */
  onLayout?: (layout: TableLayout) => void;
}

/** The reader options of {@link ProfileOptions}, for `readTable`. */
function layoutOptions(
  options: ProfileOptions,
): Pick<
  ReadOptions,
  "delimiter" | "header" | "columnNames" | "onLayout" | "maxLineBytes" | "maxDecompressedBytes" | "maxColumns"
> {
  return {
    ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
    ...(options.maxDecompressedBytes !== undefined
      ? { maxDecompressedBytes: options.maxDecompressedBytes }
      : {}),
    ...(options.maxColumns !== undefined ? { maxColumns: options.maxColumns } : {}),
    ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
    ...(options.header !== undefined ? { header: options.header } : {}),
    ...(options.columnNames ? { columnNames: options.columnNames } : {}),
    ...(options.onLayout ? { onLayout: options.onLayout } : {}),
  };
}

export interface Progress {
  /** Bytes read so far (compressed bytes for .gz) and total bytes of all inputs. */
  bytes: number;
  totalBytes: number;
  rows: number;
}

/** Sum of the sizes of the files (for progress bars). */
export async function totalSize(paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const p of paths) total += (await stat(p)).size;
  return total;
}

/** `67,974`, `-0,5`, `1.234,56`: a number written with a decimal comma (as European spreadsheets export it). */
const DECIMAL_COMMA = /^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+$/;

/**
 * A column whose values are numbers with a decimal comma (`;`-separated exports of European spreadsheets)
 * would be profiled as categories — one per distinct value — and drift "detected" between two samples of
 * one distribution. Refused instead (exit 2), naming the column, a value and what to do.
 */
function checkDecimalComma(path: string, name: string, values: readonly unknown[]): void {
  let nonNull = 0;
  let commas = 0;
  let example: { value: string; row: number } | undefined;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (isNull(v)) continue;
    nonNull++;
    if (typeof v === "string" && DECIMAL_COMMA.test(v.trim())) {
      commas++;
      example ??= { value: v.trim(), row: r };
    }
  }
  if (!example || commas * 10 < nonNull * 9) return;
  throw new InputError(
    `column "${name}" holds numbers with a decimal comma (${commas} of ${nonNull} values in its first ${values.length} rows, e.g. "${example.value}" in data row ${example.row + 1}), which would be compared as categories; write the file with "." as the decimal mark (pandas: to_csv(sep=";", decimal=".")), or declare monitoring.columns.${name}.type: categorical if the values are labels`,
    { position: { file: path } },
  );
}

/**
 * A column whose type was not declared and whose first values are mostly numbers but also text ("1", "2",
 * "n/a", "b") would be profiled as categories — drift of a number tested as categories, silently. It is
 * refused instead (exit 2), naming the column, a value and what to declare.
 */
function checkMixed(path: string, name: string, values: ColumnValues): void {
  if (!Array.isArray(values)) return;
  checkDecimalComma(path, name, values);
  let numbers = 0;
  let others = 0;
  let example: { value: string; row: number } | undefined;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (isNull(v)) continue;
    if (typeof v !== "boolean" && Number.isFinite(toNumber(v))) numbers++;
    else {
      others++;
      example ??= { value: String(v), row: r };
    }
  }
  if (!example || numbers === 0 || numbers < others) return;
  const shown = example.value.length > 30 ? `${example.value.slice(0, 29)}…` : example.value;
  throw new InputError(
    `column "${name}" mixes numbers and text (${numbers} numbers, ${others} other value(s) in its first ${values.length} rows, e.g. ${JSON.stringify(shown)} in data row ${example.row + 1}); declare monitoring.columns.${name}.type: numerical (text counted as invalid) or categorical`,
    { position: { file: path } },
  );
}

/** Profiles data files (CSV, JSONL, Parquet, optionally gzip) in one streaming pass each. */
export async function profileFiles(
  paths: readonly string[],
  options: ProfileOptions = {},
  onProgress?: (progress: { bytes: number; rows: number }) => void,
): Promise<Profile> {
  // the types the reader resolved for its typed fast path are the builder's too (inferred once)
  const types: Record<string, ColumnType> = { ...options.types };
  const builder = new ProfileBuilder(types);
  const performance = options.performance ? new PerformanceBuilder(options.performance) : undefined;
  let rows = 0;
  let doneBytes = 0;
  for (const path of paths) {
    let fileBytes = 0;
    const batches = readTable(path, {
      ...layoutOptions(options),
      reuseBuffers: true, // each batch is consumed before the next is read
      ...(options.skipBadRows ? { skipBadRows: true } : {}),
      ...(options.onSkip
        ? { onSkip: (line: number, reason: string) => options.onSkip?.(path, line, reason) }
        : {}),
      resolveTypes: (first) =>
        first.columnNames.map((name, c) => {
          const known = options.types?.[name] ?? builder.types()[name];
          const type = known ?? inferType(first.columns[c] ?? []);
          if (!known) checkMixed(path, name, first.columns[c] ?? []);
          types[name] ??= type;
          return type;
        }),
      onBytes: (b) => {
        fileBytes = b;
      },
    });
    let first = true;
    for await (const batch of batches) {
      // JSONL/Parquet (no typed fast path): undeclared columns of the first batch checked the same way
      if (first && !path.toLowerCase().match(/\.(csv|tsv|txt|tab|dat)(\.gz)?$/))
        batch.columnNames.forEach((name, c) => {
          if (!options.types?.[name] && !builder.types()[name])
            checkMixed(path, name, batch.columns[c] ?? []);
        });
      first = false;
      builder.add(batch.columnNames, batch.columns, batch.invalid);
      performance?.add(batch.columnNames, batch.columns);
      rows += batch.rows;
      onProgress?.({ bytes: doneBytes + fileBytes, rows });
    }
    doneBytes += (await stat(path)).size;
    onProgress?.({ bytes: doneBytes, rows });
  }
  const profile = builder.finish();
  const perf = performance?.finish();
  return perf ? { ...profile, performance: perf } : profile;
}

/**
 * The worker module: `given` (a bundle that calls {@link runProfileWorker} off the main thread, like the
 * monitor-report action's), else `profile-worker.js` next to this module; undefined when neither is a
 * JavaScript file on disk (e.g. running from TypeScript sources), so profiling stays on this thread.
 */
function workerEntry(given?: URL): URL | undefined {
  for (const entry of [given, new URL("./profile-worker.js", import.meta.url)])
    if (entry?.protocol === "file:" && entry.pathname.endsWith(".js") && existsSync(fileURLToPath(entry)))
      return entry;
  return undefined;
}

/** The body of a profiling worker thread: profiles `workerData.paths`, posts progress and the profile. */
export async function runProfileWorker(): Promise<void> {
  const { parentPort, workerData } = await import("node:worker_threads");
  const { paths, options } = workerData as { paths: string[]; options: ProfileOptions };
  try {
    const profile = await profileFiles(
      paths,
      {
        ...options,
        onSkip: (file, line, reason) => parentPort?.postMessage({ skip: [file, line, reason] }),
        onLayout: (layout) => parentPort?.postMessage({ layout }),
      },
      (progress) => parentPort?.postMessage({ progress }),
    );
    parentPort?.postMessage({ profile });
  } catch (error) {
    parentPort?.postMessage({
      error: {
        message: error instanceof MlopsError ? error.message : describeError(error),
        input: error instanceof InputError,
        ...(error instanceof MlopsError && error.position ? { position: error.position } : {}),
        ...(error instanceof MlopsError && error.details ? { details: error.details } : {}),
      },
    });
  }
}

/**
 * Profiles files in a worker thread when the bundled worker module sits next to this one (the action and
 * bench builds put `profile-worker.js` beside the entry); otherwise on this thread.
 */
export function profileFilesInWorker(
  paths: readonly string[],
  options: ProfileOptions & { workerEntry?: URL } = {},
  onProgress?: (progress: { bytes: number; rows: number }) => void,
): Promise<Profile> {
  const entry = workerEntry(options.workerEntry);
  if (!entry) return profileFiles(paths, options, onProgress);
  return new Promise((resolve, reject) => {
    const { onSkip: _onSkip, onLayout: _onLayout, workerEntry: _entry, ...plain } = options;
    const worker = new Worker(entry, { workerData: { paths: [...paths], options: plain } });
    worker.on(
      "message",
      (m: {
        progress?: { bytes: number; rows: number };
        profile?: Profile;
        error?: { message: string; input: boolean; position?: SourcePosition; details?: string };
        skip?: [string, number, string];
        layout?: TableLayout;
      }) => {
        if (m.profile) resolve(m.profile);
        else if (m.progress) onProgress?.(m.progress);
        else if (m.skip) options.onSkip?.(...m.skip);
        else if (m.layout) options.onLayout?.(m.layout);
        else if (m.error)
          reject(
            m.error.input
              ? new InputError(m.error.message, {
                  ...(m.error.position ? { position: m.error.position } : {}),
                  ...(m.error.details ? { details: m.error.details } : {}),
                })
              : new Error(m.error.message),
          );
      },
    );
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (code !== 0) reject(new Error(`profile worker exited with code ${code}`));
    });
  });
}

/** Inputs smaller than this are profiled on the calling thread even when `workers` is set. */
export const WORKER_MIN_BYTES = 16 * 1024 * 1024;

export interface MonitorOptions extends CompareOptions, ProfileOptions {
  /** Profile reference and current in parallel worker threads (default false). */
  workers?: boolean;
  /** Worker module for `workers` (see {@link profileFilesInWorker}). */
  workerEntry?: URL;
}

/** Compares current files against reference files or a stored reference profile. */
export async function monitor(
  reference: readonly string[] | Profile,
  currentPaths: readonly string[],
  options: MonitorOptions = {},
  onProgress?: (progress: Progress) => void,
): Promise<{ report: MonitoringReport; reference: Profile; current: Profile }> {
  const refPaths = Array.isArray(reference) ? (reference as string[]) : [];
  const totalBytes = await totalSize([...refPaths, ...currentPaths]);
  const seen = [
    { bytes: 0, rows: 0 },
    { bytes: 0, rows: 0 },
  ];
  const progress = (side: 0 | 1) => (p: { bytes: number; rows: number }) => {
    seen[side] = p;
    const [a, b] = seen as [{ bytes: number; rows: number }, { bytes: number; rows: number }];
    onProgress?.({ bytes: a.bytes + b.bytes, totalBytes, rows: a.rows + b.rows });
  };
  // a worker costs a module load (~0.1-0.3 s): worth it only for inputs of some size
  const profile = options.workers && totalBytes >= WORKER_MIN_BYTES ? profileFilesInWorker : profileFiles;
  const layouts: [TableLayout[], TableLayout[]] = [[], []];
  const profileOptions: ProfileOptions & { workerEntry?: URL } = {
    ...(options.types ? { types: options.types } : {}),
    ...(options.performance ? { performance: options.performance } : {}),
    ...(options.skipBadRows ? { skipBadRows: true } : {}),
    ...(options.onSkip ? { onSkip: options.onSkip } : {}),
    ...(options.workerEntry ? { workerEntry: options.workerEntry } : {}),
    ...layoutOptions(options),
  };
  const tell = (side: 0 | 1) => (layout: TableLayout) => {
    layouts[side].push(layout);
    options.onLayout?.(layout);
  };
  // with a stored reference profile, its column types are reused for the current data
  // the reference goes to a worker thread and the current data stays on this one: both cores, one worker
  const ref = Array.isArray(reference)
    ? profile(refPaths, { ...profileOptions, onLayout: tell(0) }, progress(0))
    : Promise.resolve(reference as Profile);
  const referenceTypes = Array.isArray(reference)
    ? {}
    : Object.fromEntries(Object.entries((reference as Profile).columns).map(([n, c]) => [n, c.type]));
  const cur = profileFiles(
    currentPaths,
    { ...profileOptions, types: { ...referenceTypes, ...profileOptions.types }, onLayout: tell(1) },
    progress(1),
  );
  // both sides are read at once; when both fail, the reference's error is the one told (deterministic,
  // whichever finished first)
  const [refResult, curResult] = await Promise.allSettled([ref, cur]);
  if (refResult.status === "rejected") throw refResult.reason;
  if (curResult.status === "rejected") throw curResult.reason;
  const [refProfile, current] = [refResult.value, curResult.value];
  const exclude = options.performance
    ? [
        options.performance.target,
        options.performance.prediction,
        ...(options.performance.timestamp ? [options.performance.timestamp] : []),
      ]
    : [];
  const excluded = [...(options.exclude ?? []), ...exclude];
  const report = compareProfiles(refProfile, current, { ...options, exclude: excluded });
  if (!report.columns.some((c) => !c.note))
    throw nothingCompared(refProfile, current, layouts, excluded, Array.isArray(reference), report);
  return { report, reference: refProfile, current };
}

/** One line per input: what the reader made of it (or what a stored profile holds). */
function describeInput(side: string, profile: Profile, layouts: TableLayout[], fromData: boolean): string[] {
  const names = (columns: string[]) =>
    columns.length
      ? ` (${columns
          .slice(0, 5)
          .map((c) => JSON.stringify(c.length > 30 ? `${c.slice(0, 29)}…` : c))
          .join(", ")}${columns.length > 5 ? ", …" : ""})`
      : "";
  if (!fromData) {
    const columns = Object.keys(profile.columns);
    return [`${side} profile: ${columns.length} column(s)${names(columns)}, ${profile.rows} row(s)`];
  }
  return layouts.map((l) => {
    const how =
      l.format === "csv"
        ? `CSV, delimiter ${delimiterLabel(l.delimiter ?? ",")}, ${l.header ? "first line read as the header" : "no header (declared)"}, `
        : `${l.format}, `;
    return `${side} ${l.file}: ${how}${l.columns.length} column(s)${names(l.columns)}, ${l.rows} row(s)`;
  });
}

/** The error for a report in which no column was tested: what was read, why nothing compared, what to declare. */
function nothingCompared(
  reference: Profile,
  current: Profile,
  layouts: [TableLayout[], TableLayout[]],
  excluded: string[],
  referenceFromData: boolean,
  report: MonitoringReport,
): InputError {
  const refNames = Object.keys(reference.columns);
  const common = refNames.filter((n) => n in current.columns);
  let why: string;
  const empty = !refNames.length ? reference : !Object.keys(current.columns).length ? current : undefined;
  if (empty)
    why = `the ${empty === reference ? "reference" : "current"} data has no ${empty.rows === 0 ? "rows" : "columns"}`;
  else if (!common.length) why = "the reference and the current data have no column in common";
  else {
    const reasons = common.slice(0, 8).map((n) => {
      const r = reference.columns[n] as ColumnProfile;
      const c = current.columns[n] as ColumnProfile;
      if (excluded.includes(n)) return `${n}: excluded (label, prediction or timestamp)`;
      if (r.type !== c.type && r.count > 0 && c.count > 0) return `${n}: ${r.type} → ${c.type}`;
      if (r.type === "text" || r.type === "datetime") return `${n}: ${r.type} (not tested)`;
      const note = report.columns.find((col) => col.name === n)?.note;
      if (note) return `${n}: ${note}`;
      return `${n}: no values in the ${r.count === 0 ? "reference" : "current"} data`;
    });
    why = `none of the ${common.length} column(s) in common could be tested (${reasons.join("; ")}${common.length > 8 ? "; …" : ""})`;
  }
  return new InputError(`nothing was compared: ${why}`, {
    details: [
      ...describeInput("reference", reference, layouts[0], referenceFromData).map((l) => `  ${l}`),
      ...describeInput("current", current, layouts[1], true).map((l) => `  ${l}`),
      ...(report.columns.some((c) => c.note?.startsWith("too few rows"))
        ? [
            "Too few rows for a drift test to mean anything: monitor a larger window of data, or lower monitoring.min_values in mlops.yml (default 30; a test on fewer values has little power to detect drift).",
          ]
        : []),
      'Declare how the files are laid out in mlops.yml\'s monitoring section (delimiter: "," | ";" | "\\t" | whitespace; header: false with columns: [names]) or pass --delimiter, --no-header and --columns; declare column types under monitoring.columns.',
    ].join("\n"),
  });
}
