/** Test support, imported as `@mlops/demo/testing`: opens a page of the demo in headless Debian Chromium (playwright-core) and reads what it shows. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { escapeHtml, STYLE } from "./github-view.js";

export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface RenderedPage {
  /** The visible text of the page. */
  text: string;
  /** `pre.mermaid` blocks, and how many of them hold a rendered `<svg>`. */
  mermaidBlocks: number;
  mermaidSvgs: number;
  /** `done` when every Mermaid block rendered, `error` (with `mermaidError`) otherwise. */
  mermaidState: string | undefined;
  mermaidError: string | undefined;
  /** How many of each part of the page there are: pull requests, comments, releases, deployments, issues. */
  counts: {
    pulls: number;
    comments: number;
    checks: number;
    releases: number;
    deployments: number;
    issues: number;
  };
  /** Requests the page made to anything other than `file:` (it must render offline). */
  networkRequests: string[];
}

/** Headless Debian Chromium, offline; the caller closes it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

export async function openPage<T>(
  file: string,
  use: (page: Page, rendered: RenderedPage) => Promise<T>,
): Promise<T> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const networkRequests: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) networkRequests.push(request.url());
    });
    await page.goto(pathToFileURL(file).href);
    // Evaluated in the page (strings: the repository's TypeScript has no DOM types).
    await page.waitForFunction("document.body.dataset.mermaid !== undefined", undefined, { timeout: 30_000 });
    const rendered = await page.evaluate<Omit<RenderedPage, "networkRequests">>(`({
      text: document.body.innerText,
      mermaidBlocks: document.querySelectorAll("pre.mermaid").length,
      mermaidSvgs: document.querySelectorAll("pre.mermaid > svg").length,
      mermaidState: document.body.dataset.mermaid,
      mermaidError: document.body.dataset.mermaidError,
      counts: {
        pulls: document.querySelectorAll("section.pull").length,
        comments: document.querySelectorAll("section.pull .comment").length,
        checks: document.querySelectorAll("section.pull details.check").length,
        releases: document.querySelectorAll("section.release").length,
        deployments: document.querySelectorAll("#deployments tbody tr").length,
        issues: document.querySelectorAll("section.issue").length,
      },
    })`);
    return await use(page, { ...rendered, networkRequests });
  } finally {
    await browser.close();
  }
}

/** One Markdown text as GitHub shows it (a comment, an issue body, a job summary), to render. */
export interface MarkdownDocument {
  name: string;
  markdown: string;
}

/** A text element of a rendered chart with its box on the page (CSS pixels). */
export interface TextBox {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** What Mermaid drew for one ```mermaid block. */
export interface RenderedChart {
  document: string;
  index: number;
  source: string;
  /** Mermaid's error message when it refused the block. */
  error?: string;
  /** `aria-roledescription` of the SVG: the diagram type Mermaid recognised (`xychart`, `pie`, …). */
  diagram?: string;
  /** Every SVG text, as shown. */
  texts: string[];
  /** The SVG's box, the title and the x-axis labels (xychart) with their boxes. */
  box?: TextBox;
  title?: TextBox;
  xLabels: TextBox[];
  /** Each plot (xychart `bar-plot-N` / `line-plot-N`, in drawing order) with the colours it is drawn in. */
  plots: { kind: string; colors: string[] }[];
  /** The text of the paragraph right after the block (the legend line), if any. */
  after?: string;
}

/**
 * Measures one `pre.mermaid` (evaluated in the page; a string because the repository's TypeScript has no
 * DOM types): the SVG's texts and boxes, the xychart title, x labels and plot colours, and the paragraph
 * after the block.
 */
const MEASURE = `(pre, index, source) => {
  const box = (e) => { const r = e.getBoundingClientRect(); return { text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
  const next = pre.nextElementSibling;
  const after = next && next.tagName === "P" ? next.textContent : undefined;
  const el = pre.querySelector("svg");
  if (!el) return { index, source, after, error: "no <svg>", texts: [], xLabels: [], plots: [] };
  const title = el.querySelector("g.chart-title text");
  return {
    index, source, after,
    diagram: el.getAttribute("aria-roledescription") || undefined,
    texts: [...el.querySelectorAll("text")].map((t) => t.textContent),
    box: box(el),
    title: title ? box(title) : undefined,
    xLabels: [...el.querySelectorAll("g.bottom-axis g.label text")].map(box),
    plots: [...el.querySelectorAll("g.plot > g")].map((g) => ({
      kind: (g.getAttribute("class") || "").replace(/-plot-\\d+$/, ""),
      colors: [...new Set([...g.querySelectorAll("rect, path")].map((e) =>
        (e.tagName === "rect" ? e.getAttribute("fill") : e.getAttribute("stroke")) || ""))],
    })),
  };
}`;

/**
 * Renders Markdown documents in one headless Chromium: each as a GitHub-like comment (800 px wide, GFM by
 * the demo's renderer, ```mermaid blocks drawn one by one with the workspace's Mermaid, as GitHub does),
 * measures every chart (with every `<details>` opened), and writes a PNG per document to `shotsDir`.
 */
export async function renderMarkdownDocuments(
  browser: Browser,
  documents: MarkdownDocument[],
  shotsDir: string,
  renderHtml: (markdown: string) => string,
  mermaidScript: string,
): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = [];
  const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  try {
    await page.route(/^(?!file:|data:|about:)/, (route) => route.abort());
    // One page and one Mermaid load for every document: each replaces the previous one's body.
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}
.doc{width:800px;margin:16px;background:#fff}pre.mermaid{max-width:none}</style></head><body></body></html>`,
    );
    await page.addScriptTag({ path: mermaidScript });
    await page.evaluate(`mermaid.initialize({ startOnLoad: false, securityLevel: "strict" })`);
    for (const [n, doc] of documents.entries()) {
      const body = `<div class="doc comment"><div class="comment-head"><strong>${escapeHtml(doc.name)}</strong></div>
<div class="markdown-body">${renderHtml(doc.markdown)}</div></div>`;
      const rendered = await page.evaluate<Omit<RenderedChart, "document">[]>(`(async () => {
        document.body.innerHTML = ${JSON.stringify(body)};
        // Charts collapsed under <details> are drawn open, as a reader who expands them sees them
        // (and so that they have boxes to measure).
        for (const d of document.querySelectorAll("details")) d.open = true;
        const measure = ${MEASURE};
        const out = [];
        for (const [index, pre] of [...document.querySelectorAll("pre.mermaid")].entries()) {
          const source = pre.textContent;
          try {
            pre.innerHTML = (await mermaid.render("chart${n}_" + index, source)).svg;
            out.push(measure(pre, index, source));
          } catch (error) {
            out.push({ ...measure(pre, index, source), error: String(error && error.message ? error.message : error) });
          }
        }
        return out;
      })()`);
      charts.push(...rendered.map((chart) => ({ document: doc.name, ...chart })));
      mkdirSync(shotsDir, { recursive: true });
      await page.locator(".doc").screenshot({ path: join(shotsDir, `${doc.name}.png`) });
    }
  } finally {
    await page.close();
  }
  return charts;
}

/**
 * Opens a standalone HTML page that loads Mermaid from jsDelivr (`mlops monitor --format html`) with the
 * CDN answered from the workspace's copy of Mermaid (nothing leaves the machine), waits until every
 * `pre.mermaid` is drawn, measures the charts and writes a PNG of the page.
 */
export async function renderHtmlPage(
  browser: Browser,
  name: string,
  html: string,
  shotsDir: string,
  mermaidDist: string,
): Promise<RenderedChart[]> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  try {
    await page.route(/^https:\/\/cdn\.jsdelivr\.net\/npm\/mermaid@[^/]+\/dist\/(.*)$/, async (route) => {
      const file = /\/dist\/(.*)$/.exec(new URL(route.request().url()).pathname)?.[1] ?? "";
      await route.fulfill({
        path: join(mermaidDist, file),
        headers: { "content-type": "text/javascript", "access-control-allow-origin": "*" },
      });
    });
    await page.route(/^(?!file:|data:|about:|https:\/\/cdn\.jsdelivr\.net\/npm\/mermaid@)/, (route) =>
      route.abort(),
    );
    await page.setContent(html);
    await page.waitForFunction(
      // a finished chart (or Mermaid's error chart) names its diagram type; a chart still being drawn does not
      `[...document.querySelectorAll("pre.mermaid")].every((pre) => pre.querySelector(":scope > svg[aria-roledescription]"))`,
      undefined,
      { timeout: 30_000 },
    );
    const charts = await page.evaluate<Omit<RenderedChart, "document">[]>(
      `[...document.querySelectorAll("pre.mermaid")].map((pre, index) => (${MEASURE})(pre, index, pre.getAttribute("data-source") || ""))`,
    );
    mkdirSync(shotsDir, { recursive: true });
    await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
    return charts.map((chart) => ({ document: name, ...chart }));
  } finally {
    await page.close();
  }
}
