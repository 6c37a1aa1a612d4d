/** Test support, imported as `@mlops/demo/testing`: opens a page of the demo in headless Debian Chromium (playwright-core) and reads what it shows. */
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

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

export async function openPage<T>(
  file: string,
  use: (page: Page, rendered: RenderedPage) => Promise<T>,
): Promise<T> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
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
