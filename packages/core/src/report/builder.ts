import { type Budget, cutToBudget, measure, PR_COMMENT_BUDGET, reserveBudget } from "./budget.js";
import { type Align, renderTable } from "./table.js";

type Section = (
  | { kind: "markdown"; text: string }
  | { kind: "table"; headers: string[]; rows: string[][]; align?: Align[] }
  | { kind: "details"; summary: string; children: ReportBuilder; open: boolean }
) & {
  priority: number;
  /** Said in place of the section's kind of content when it is left out (e.g. `Plots left out`). */
  dropNote?: string;
};

/** Options every section takes. */
export interface SectionOptions {
  /**
   * Higher survives longer (default 1; the verdict line should be high). A **negative** priority marks
   * an expendable section (plots): all of them are left out, lowest first, before any table loses a row.
   */
  priority?: number;
  /** What a left-out section is called in the note (default: counted in `N sections left out`). */
  dropNote?: string;
}

const withNote = (options: SectionOptions) => (options.dropNote ? { dropNote: options.dropNote } : {});

/**
 * Assembles a markdown report that always fits its budget, measured in the budget's unit (UTF-8 bytes
 * for a check run or a job summary, characters for comments and bodies: see `budget.ts`). Over budget, the lowest-priority sections are
 * shortened first: expendable sections (negative priority, e.g. plots) are dropped whole first, then
 * tables lose rows from the end (with a note saying how many), then sections are dropped whole (with a
 * note). Cuts happen only between rows and sections, so the result is always
 * valid markdown: every `<details>` closed, every table row complete. Only if even that is too long is
 * the text cut by `cutToBudget` (between lines, at a character boundary, with a note).
 */
export class ReportBuilder {
  private readonly sections: Section[] = [];

  /** `priority`: higher survives longer (default 1; the verdict line should be high); negative: expendable. */
  markdown(text: string, priority: number | SectionOptions = 1): this {
    const options = typeof priority === "number" ? { priority } : priority;
    this.sections.push({ kind: "markdown", text, priority: options.priority ?? 1, ...withNote(options) });
    return this;
  }

  heading(text: string, level = 2, priority = 5): this {
    return this.markdown(`${"#".repeat(level)} ${text}`, priority);
  }

  table(headers: string[], rows: string[][], options: { align?: Align[] } & SectionOptions = {}): this {
    this.sections.push({
      kind: "table",
      headers,
      rows,
      priority: options.priority ?? 1,
      ...withNote(options),
      ...(options.align ? { align: options.align } : {}),
    });
    return this;
  }

  details(
    summary: string,
    fill: (builder: ReportBuilder) => void,
    options: { open?: boolean } & SectionOptions = {},
  ): this {
    const children = new ReportBuilder();
    fill(children);
    this.sections.push({
      kind: "details",
      summary,
      children,
      open: options.open ?? false,
      priority: options.priority ?? 0,
      ...withNote(options),
    });
    return this;
  }

  /** The report within `budget`, leaving `reserve` (in the budget's unit) for the caller (markers, footers). */
  build(
    options: { budget: Budget; reserve?: number; truncationNote?: string } = { budget: PR_COMMENT_BUDGET },
  ): string {
    const { unit } = options.budget;
    const limit = options.budget.limit - (options.reserve ?? 0);
    const fits = (text: string) => measure(text, unit) <= limit;
    const note = options.truncationNote ?? "full report in the job summary and the report artifact";
    const full = this.render(Number.POSITIVE_INFINITY, note);
    if (fits(full)) return full;
    const order = this.sections
      .map((section, index) => ({ section, index }))
      .sort((a, b) => a.section.priority - b.section.priority || b.index - a.index);
    const dropped = new Set<number>();
    // Expendable sections (negative priority) go first, whole, before any table loses a row.
    for (const { section, index } of order) {
      if (section.priority >= 0) break;
      dropped.add(index);
      const text = this.render(Number.POSITIVE_INFINITY, note, dropped);
      if (fits(text)) return text;
    }
    // Find the largest row allowance that fits (binary search over rows kept per table).
    let low = 0;
    let high = this.maxRows();
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (fits(this.render(mid, note, dropped))) low = mid;
      else high = mid - 1;
    }
    let text = this.render(low, note, dropped);
    if (fits(text)) return text;
    // Still too long: drop whole sections, lowest priority first.
    for (const { index } of order) {
      if (dropped.has(index)) continue;
      dropped.add(index);
      text = this.render(low, note, dropped);
      if (fits(text)) return text;
    }
    return cutToBudget(text, reserveBudget(options.budget, options.reserve ?? 0), { note });
  }

  private maxRows(): number {
    return Math.max(
      0,
      ...this.sections.map((s) =>
        s.kind === "table" ? s.rows.length : s.kind === "details" ? s.children.maxRows() : 0,
      ),
    );
  }

  private render(maxRows: number, note: string, dropped: Set<number> = new Set()): string {
    const parts: string[] = [];
    let droppedCount = 0;
    const dropNotes = new Set<string>();
    this.sections.forEach((section, index) => {
      if (dropped.has(index)) {
        if (section.dropNote) dropNotes.add(section.dropNote);
        else droppedCount++;
        return;
      }
      if (section.kind === "markdown") parts.push(section.text);
      else if (section.kind === "table") {
        const kept = section.rows.slice(0, maxRows);
        let text = renderTable(section.headers, kept, section.align);
        const hidden = section.rows.length - kept.length;
        if (hidden > 0) text += `\n\n_… ${hidden.toLocaleString("en-US")} more rows not shown — ${note}._`;
        parts.push(text);
      } else {
        parts.push(
          `<details${section.open ? " open" : ""}>\n<summary>${section.summary}</summary>\n\n${section.children.render(maxRows, note)}\n\n</details>`,
        );
      }
    });
    for (const dropNote of dropNotes) parts.push(`_${dropNote} to fit GitHub's size limit — ${note}._`);
    if (droppedCount > 0)
      parts.push(
        `_${droppedCount} section${droppedCount === 1 ? "" : "s"} left out to fit GitHub's size limit — ${note}._`,
      );
    return parts.join("\n\n");
  }
}
