/**
 * Every Mermaid block the project writes, rendered by the real Mermaid library in headless Debian Chromium
 * (issue 16 item 5): the outputs come from the code paths the actions run (test/support/mermaid-sources.ts),
 * every block must draw an SVG without a Mermaid error, and the drawn charts must read well (item 4): no
 * `&lt;` shown as text, x labels that neither overlap nor leave the chart, unique x labels, each series
 * drawn in the palette colour its legend square names. PNG screenshots of each output are written to
 * test-output/mermaid/ (CI uploads them). One browser for everything.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { legendLine, mermaidBlocks, PALETTE } from "@mlops/core";
import { mermaidBundlePath, renderMarkdown } from "@mlops/demo";
import {
  launchChromium,
  type RenderedChart,
  renderHtmlPage,
  renderMarkdownDocuments,
} from "@mlops/demo/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingOf } from "../scripts/system-deps.mjs";
import { type HtmlSource, type MarkdownSource, mermaidSources } from "./support/mermaid-sources.js";

const root = join(import.meta.dirname, "..");
/** Chromium is installed by `node scripts/system-deps.mjs`; missing → the rendering tests skip, by name. */
const noBrowser = missingOf("chromium").length > 0;
const SHOTS = join(root, "test-output", "mermaid");

/**
 * Source files that mention Mermaid but write no chart of their own: the demo's page renders the others'
 * blocks (packages/demo/test/github-view.test.ts), the browser test support renders them here, a demo
 * stage checks the issue has one, and the builder is what every covered output uses.
 */
const READERS = new Set([
  "packages/demo/src/github-view.ts",
  "packages/demo/src/testing.ts",
  "packages/demo/src/stages/monitoring.ts",
  "packages/core/src/format/mermaid.ts",
]);

let markdown: MarkdownSource[] = [];
let html: HtmlSource[] = [];
let charts: RenderedChart[] = [];

beforeAll(async () => {
  ({ markdown, html } = await mermaidSources(root));
  if (noBrowser) return;
  const browser: Browser = await launchChromium();
  try {
    charts = await renderMarkdownDocuments(browser, markdown, SHOTS, renderMarkdown, mermaidBundlePath());
    for (const page of html)
      charts.push(
        ...(await renderHtmlPage(browser, page.name, page.html, SHOTS, dirname(mermaidBundlePath()))),
      );
  } finally {
    await browser.close();
  }
  console.log(`Mermaid screenshots: ${relative(root, SHOTS)}/ (${readdirSync(SHOTS).join(", ")})`);
}, 120_000);

afterAll(() => {
  charts = [];
});

const label = (c: RenderedChart) =>
  `${c.document} chart ${c.index + 1}${c.title ? ` "${c.title.text}"` : ""}`;
const xycharts = () => charts.filter((c) => c.diagram === "xychart");

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) files.push(relative(root, path));
    }
  };
  for (const top of ["packages", "actions"])
    for (const pkg of readdirSync(join(root, top))) {
      const src = join(root, top, pkg, "src");
      if (existsSync(src)) walk(src);
    }
  return files;
}

describe("every Mermaid block the project writes (issue 16 item 5)", () => {
  it("is produced by an output this test renders (a new chart-writing file must add its output)", async () => {
    const writers = sourceFiles().filter(
      (file) =>
        !READERS.has(file) &&
        /```mermaid|xyChart\(|xychart-beta/.test(readFileSync(join(root, file), "utf8")),
    );
    expect(writers.length).toBeGreaterThan(0);
    const covered = new Set([...markdown, ...html].flatMap((s) => s.covers));
    expect(writers.filter((file) => !covered.has(file))).toEqual([]);
    // and the outputs hold charts: the monitoring issue its history, performance and distribution charts,
    // the PR comment its curves, insights its revisit chart
    const blocks = (name: string) =>
      mermaidBlocks(markdown.find((s) => s.name === name)?.markdown ?? "").length;
    expect(blocks("monitoring-issue")).toBeGreaterThanOrEqual(4);
    expect(blocks("pr-comment-binary")).toBeGreaterThanOrEqual(3);
    expect(blocks("pr-comment-regression")).toBeGreaterThanOrEqual(2);
    expect(blocks("sweep-comment")).toBeGreaterThanOrEqual(1);
    expect(blocks("registry-history")).toBe(1);
    expect(blocks("insights")).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(noBrowser)(
  "every Mermaid block, rendered by Mermaid in Chromium (issue 16 items 4 and 5)",
  () => {
    it("draws an SVG for every block, without a Mermaid error", () => {
      for (const source of markdown)
        expect(
          charts.filter((c) => c.document === source.name).length,
          `${source.name}: blocks rendered`,
        ).toBe(mermaidBlocks(source.markdown).length);
      for (const page of html)
        expect(charts.filter((c) => c.document === page.name).length, `${page.name}: blocks rendered`).toBe(
          (page.html.match(/<pre class="mermaid">/g) ?? []).length,
        );
      expect(charts.length).toBeGreaterThanOrEqual(8);
      for (const chart of charts) {
        expect(chart.error, label(chart)).toBeUndefined();
        expect(chart.diagram, label(chart)).toBeDefined();
        expect(chart.diagram, label(chart)).not.toBe("error");
      }
    });

    it("shows no escaped text: no `&lt;`, `&gt;`, `&quot;` or unexpanded `#lt;` in any chart", () => {
      for (const chart of charts)
        for (const text of chart.texts)
          expect(text, label(chart)).not.toMatch(/&(lt|gt|amp|quot);|#(lt|gt|quot);/);
    });

    it("draws x labels that do not overlap, stay inside the chart, and are unique", () => {
      expect(xycharts().length).toBeGreaterThanOrEqual(8);
      for (const chart of xycharts()) {
        const labels = [...chart.xLabels].sort((a, b) => a.left - b.left);
        expect(labels.length, label(chart)).toBeGreaterThan(0);
        // drawn where a reader sees it (not in a closed <details>, which would measure as empty boxes)
        for (const l of labels)
          expect(l.right - l.left, `${label(chart)}: "${l.text}" has no width`).toBeGreaterThan(0);
        expect(new Set(labels.map((l) => l.text)).size, `${label(chart)}: unique x labels`).toBe(
          labels.length,
        );
        // numbers told apart by their digits, not by a `(2)` suffix
        for (const l of labels)
          expect(l.text, `${label(chart)}: a number made unique by a suffix`).not.toMatch(
            /^[≤≥]? ?-?[\d.]+ \(\d+\)$/,
          );
        for (let i = 1; i < labels.length; i++) {
          const [a, b] = [labels[i - 1], labels[i]] as [(typeof labels)[0], (typeof labels)[0]];
          expect(b.left, `${label(chart)}: "${a.text}" overlaps "${b.text}"`).toBeGreaterThanOrEqual(a.right);
        }
        const box = chart.box;
        if (!box) throw new Error(`${label(chart)}: no SVG box`);
        for (const l of [...labels, ...(chart.title ? [chart.title] : [])]) {
          expect(l.left, `${label(chart)}: "${l.text}" leaves the chart`).toBeGreaterThanOrEqual(
            box.left - 0.5,
          );
          expect(l.right, `${label(chart)}: "${l.text}" leaves the chart`).toBeLessThanOrEqual(
            box.right + 0.5,
          );
        }
      }
    });

    it("draws each series in its palette colour, and the legend line under the chart names it with that colour", () => {
      for (const chart of xycharts()) {
        expect(chart.plots.length, label(chart)).toBeGreaterThan(0);
        chart.plots.forEach((plot, i) => {
          expect(
            plot.colors.map((c) => c.toUpperCase()),
            `${label(chart)}: plot ${i + 1}`,
          ).toEqual([PALETTE[i]?.color]);
        });
        // the legend: one square per plot, in plot order, each the square of the colour drawn
        const squares = (chart.after ?? "")
          .split(" · ")
          .map((part) => /^(\S+) (.+) \((bars|line)\)$/u.exec(part))
          .filter((m): m is RegExpExecArray => m !== null);
        expect(squares.length, `${label(chart)}: legend "${chart.after}"`).toBe(chart.plots.length);
        squares.forEach((m, i) => {
          expect(m[1], `${label(chart)}: legend square ${i + 1}`).toBe(PALETTE[i]?.square);
          expect(m[3] === "bars" ? "bar" : "line", `${label(chart)}: legend kind ${i + 1}`).toBe(
            chart.plots[i]?.kind,
          );
        });
        expect(chart.after).toBe(
          legendLine(squares.map((m) => ({ kind: m[3] === "bars" ? "bar" : "line", name: m[2] as string }))),
        );
      }
    });

    it("writes a PNG screenshot of the PR comments, the monitoring issue, summary and HTML report, insights", () => {
      for (const name of [
        "pr-comment-binary",
        "pr-comment-regression",
        "sweep-comment",
        "monitoring-issue",
        "monitoring-summary",
        "monitoring-html",
        "insights",
      ]) {
        const file = join(SHOTS, `${name}.png`);
        expect(existsSync(file), file).toBe(true);
        expect(readFileSync(file).subarray(1, 4).toString()).toBe("PNG");
        expect(statSync(file).size).toBeGreaterThan(5_000);
      }
    });
  },
);
