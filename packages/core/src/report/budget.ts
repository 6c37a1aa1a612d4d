/**
 * GitHub's size limits, each in the unit GitHub counts, and the one way this project fits text into
 * them. Sources (also in packages/github-emulator/README.md, "Sizes and budgets"):
 * - check-run `output.summary` / `output.text`: 65,535 **bytes** — GitHub answers 422 "summary exceeds a
 *   maximum bytesize of 65535" (github/docs#35252), although the OpenAPI text says "characters";
 * - job summary: 1 MiB **bytes** per step (docs "Workflow commands for GitHub Actions" → "Adding a job
 *   summary": "each step is restricted to a maximum size of 1MiB"; the runner compares the file length);
 * - issue body, issue/PR comment: 65,536 **characters** ("body is too long (maximum is 65536 characters)");
 * - release body: 125,000 **characters** ("body is too long (maximum is 125000 characters)", GitHub
 *   Support via angular/dev-infra#174).
 * GitHub's characters are Unicode code points (its validations count Ruby string characters), so an
 * emoji outside the BMP is one character but two UTF-16 units and four bytes.
 */

export type BudgetUnit = "bytes" | "chars";

export interface Budget {
  /** The largest size GitHub accepts, in `unit`. */
  limit: number;
  unit: BudgetUnit;
  /** What the limit applies to, for notes and messages (`check-run summary`). */
  what: string;
  /** GitHub's own limit when `limit` is what is left of it after a reserve (`reserveBudget`). */
  gitHubLimit?: number;
}

export const PR_COMMENT_BUDGET: Budget = { limit: 65_536, unit: "chars", what: "comment" };
export const ISSUE_COMMENT_BUDGET: Budget = PR_COMMENT_BUDGET;
export const ISSUE_BODY_BUDGET: Budget = { limit: 65_536, unit: "chars", what: "issue body" };
export const RELEASE_BODY_BUDGET: Budget = { limit: 125_000, unit: "chars", what: "release body" };
export const CHECK_OUTPUT_BUDGET: Budget = { limit: 65_535, unit: "bytes", what: "check-run output" };
export const JOB_SUMMARY_BUDGET: Budget = { limit: 1024 * 1024, unit: "bytes", what: "job summary" };
/** No limit: for files (the report artifact, `MODEL_CARD.md`) that hold the whole text. */
export const NO_BUDGET: Budget = { limit: Number.POSITIVE_INFINITY, unit: "chars", what: "file" };

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Size of `text` in `unit`: UTF-8 bytes, or Unicode code points. */
export function measure(text: string, unit: BudgetUnit): number {
  if (unit === "bytes") return Buffer.byteLength(text, "utf8");
  return text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
}

/** `budget` with `amount` (in its own unit) kept free for the caller. */
export function reserveBudget(budget: Budget, amount: number): Budget {
  return {
    ...budget,
    limit: Math.max(0, budget.limit - amount),
    gitHubLimit: budget.gitHubLimit ?? budget.limit,
  };
}

export function fitsBudget(text: string, budget: Budget): boolean {
  return measure(text, budget.unit) <= budget.limit;
}

export function unitLabel(unit: BudgetUnit): string {
  return unit === "bytes" ? "bytes" : "characters";
}

/** The longest prefix of `text` of at most `limit` units that ends on a code point boundary. */
export function cutAtCharBoundary(text: string, limit: number, unit: BudgetUnit): string {
  if (limit <= 0) return "";
  if (measure(text, unit) <= limit) return text;
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = unit === "bytes" ? Buffer.byteLength(char, "utf8") : 1;
    if (used + size > limit) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}

export interface CutOptions {
  /** Where the whole text can be read (ends the note), e.g. `the full report is in the job summary`. */
  note?: string;
}

const FENCE = /^\s{0,3}(```|~~~)/;
const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * `text` cut to fit `budget`, with a visible note saying what was cut and where the rest is. Cuts only
 * between lines, preferably where no `<details>` block or code fence is open and not between a table's
 * header and its delimiter row; when the first such place is the very start, the cut goes inside the
 * block and closes it (`</details>`, closing fence) so the markdown stays valid. A single line longer
 * than the budget is cut at a code point boundary (never inside a UTF-8 sequence or surrogate pair).
 */
export function cutToBudget(text: string, budget: Budget, options: CutOptions = {}): string {
  const { unit, limit } = budget;
  const total = measure(text, unit);
  if (total <= limit) return text;
  const noteFor = (kept: number) =>
    `\n\n> ✂️ Cut to fit GitHub's ${budget.what} limit (${(budget.gitHubLimit ?? limit).toLocaleString("en-US")} ${unitLabel(unit)}): ${(total - kept).toLocaleString("en-US")} of ${total.toLocaleString("en-US")} ${unitLabel(unit)} left out${options.note ? ` — ${options.note}` : ""}.`;
  // The note's size with the widest possible number in it (so the final note never exceeds it).
  const noteSize = measure(noteFor(0), unit);
  const room = limit - noteSize;
  if (room <= 0) return cutAtCharBoundary(noteFor(0).trimStart(), limit, unit);

  const lines = text.split("\n");
  let used = 0;
  let depth = 0;
  let inFence = false;
  let lastSafe = 0; // number of lines that can be kept with nothing open
  let lastAny = 0;
  let closersAtAny = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const size = measure(line, unit) + (i > 0 ? 1 : 0);
    // State after this line.
    let nextDepth = depth;
    let nextFence: boolean = inFence;
    if (FENCE.test(line)) nextFence = !inFence;
    else if (!inFence) {
      nextDepth += (line.match(/<details[\s>]/gi) ?? []).length;
      nextDepth -= (line.match(/<\/details>/gi) ?? []).length;
      nextDepth = Math.max(0, nextDepth);
    }
    const closers = `${nextFence ? "\n```" : ""}${"\n\n</details>".repeat(nextDepth)}`;
    if (used + size + measure(closers, unit) > room) break;
    used += size;
    depth = nextDepth;
    inFence = nextFence;
    lastAny = i + 1;
    closersAtAny = closers;
    const nextIsDelimiter = DELIMITER_ROW.test(lines[i + 1] ?? "") && (lines[i + 1] ?? "").includes("-");
    if (depth === 0 && !inFence && !nextIsDelimiter) lastSafe = i + 1;
  }
  let kept: string;
  if (lastSafe > 0) kept = lines.slice(0, lastSafe).join("\n").trimEnd();
  else if (lastAny > 0) kept = lines.slice(0, lastAny).join("\n") + closersAtAny;
  else kept = cutAtCharBoundary(lines[0] ?? "", room, unit);
  return kept + noteFor(measure(kept, unit));
}

/**
 * `markdown` cut to what is left of a step's job summary (1 MiB of UTF-8 bytes per step, GitHub drops a
 * step summary over it whole) after `used` bytes were already written; `separator` bytes (the newline
 * the writer adds) are counted too.
 */
export function fitJobSummary(markdown: string, used: number, separator = 1): string {
  return cutToBudget(markdown, reserveBudget(JOB_SUMMARY_BUDGET, used + separator), {
    note: "the full report is in the run's artifact",
  });
}
