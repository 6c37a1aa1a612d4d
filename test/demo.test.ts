/**
 * `pnpm demo` end to end: the Node example's life through its real workflow files, the runner, the
 * bundled actions and the emulator; then the page it writes, opened in headless Chromium.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type DemoResult, PULL_REQUESTS, runDemo } from "@mlops/demo";
import { openPage, type RenderedPage } from "@mlops/demo/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { missingOf } from "../scripts/system-deps.mjs";

/** The page is checked in Chromium (installed by `node scripts/system-deps.mjs`); missing → those tests skip. */
const noBrowser = missingOf("chromium").length > 0;

const root = join(import.meta.dirname, "..");
const outDir = join(root, "demo-output");
const screenshot = join(outDir, "screenshot.png");

let result: DemoResult;
let rendered: RenderedPage;
const lines: string[] = [];

beforeAll(async () => {
  result = await runDemo({ example: "node", verbosity: "quiet", outDir, write: (line) => lines.push(line) });
  if (!noBrowser && result.page && existsSync(result.page)) {
    rendered = await openPage(result.page, async (page, found) => {
      await page.screenshot({ path: screenshot, fullPage: true });
      return found;
    });
  }
}, 600_000);

describe("pnpm demo (node example)", () => {
  it("passes every stage, checked over REST", () => {
    const failed = result.stages.filter((stage) => stage.status !== "passed");
    expect(failed.map((s) => `${s.id}: ${s.detail}`)).toEqual([]);
    expect(result.stages.map((s) => s.id)).toEqual([
      "setup",
      "better-pr",
      "worse-pr",
      "release",
      "monitoring",
      "insights",
    ]);
    expect(result.violations).toBe(0);
    expect(result.ok).toBe(true);
    // The release stage checks `mlops registry history` (run as its own process) names the approver.
    expect(result.stages.find((s) => s.id === "release")?.detail).toContain(
      "registry history names the approver",
    );
  });

  it("counts the API calls of every stage, the workflows' apart from the demo's", () => {
    for (const stage of result.stages) {
      const { workflowRest, artifactRuntime, runner, demo, total } = stage.apiCalls;
      expect(workflowRest + artifactRuntime + runner + demo).toBe(total);
      // the insights stage runs no workflow: the maintainer reads the history (counted as the demo's)
      if (stage.id === "insights") expect(demo).toBeGreaterThan(0);
      else expect(workflowRest).toBeGreaterThan(0);
    }
    expect(lines.some((line) => line.startsWith("total:") && line.includes("API calls"))).toBe(true);
  });

  it.skipIf(noBrowser)(
    "writes a page showing the PRs, checks, release, deployments, monitoring and insights issues",
    () => {
      expect(result.page).toBe(join(outDir, "index.html"));
      expect(rendered.text).toContain(PULL_REQUESTS.better.title);
      expect(rendered.text).toContain(PULL_REQUESTS.worse.title);
      expect(rendered.text).toContain("node-classifier/v1");
      expect(rendered.text).toMatch(/staging/);
      expect(rendered.text).toMatch(/production/);
      expect(rendered.counts.pulls).toBe(2);
      expect(rendered.counts.comments).toBe(2); // one sticky comment per pull request
      expect(rendered.counts.checks).toBeGreaterThanOrEqual(2);
      expect(rendered.counts.releases).toBe(1);
      expect(rendered.counts.deployments).toBeGreaterThanOrEqual(2);
      expect(rendered.counts.issues).toBe(2); // the monitoring issue and the MLOps insights issue
      expect(rendered.text).toContain("MLOps insights");
      expect(rendered.text).toContain("Change failure rate");
      expect(existsSync(screenshot)).toBe(true);
    },
  );

  it("shows prediction plots and the metric trend in the PR comments (issue 16)", () => {
    // The page holds each PR's sticky comment (and the check runs' summaries) as rendered markdown.
    const html = readFileSync(join(outDir, "index.html"), "utf8");
    for (const title of [
      "ROC curve",
      "Precision–recall curve",
      "Confusion matrix (candidate and baseline)",
      "Calibration (reliability)",
    ])
      expect(html, title).toContain(title);
    expect(html).toContain("actual ↓ · predicted →");
    expect(html).toMatch(/Metric trend \(1 base-branch run\)/);
    expect(html).not.toContain("Plots left out");
  });

  it.skipIf(noBrowser)("draws every Mermaid chart client-side from the local Mermaid copy, offline", () => {
    expect(rendered.mermaidError).toBeUndefined();
    expect(rendered.mermaidState).toBe("done");
    expect(rendered.mermaidBlocks).toBeGreaterThan(0);
    expect(rendered.mermaidSvgs).toBe(rendered.mermaidBlocks);
    expect(rendered.networkRequests).toEqual([]);
  });
});
