/**
 * The HTML view, built from emulator state seeded over REST (a PR with a sticky comment and a check run,
 * a release with a model card, deployments, a monitoring issue with Mermaid charts), opened in headless
 * Chromium: the content is visible, every Mermaid block rendered an <svg>, and nothing was fetched from
 * the network.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { createRestClient, type RestClient } from "@mlops/local-github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingOf } from "../../../scripts/system-deps.mjs";
import { renderMarkdown } from "../src/github-view.js";
import { writeGitHubView } from "../src/output.js";
import { openPage, type RenderedPage } from "../src/testing.js";
import { collectView } from "../src/view-data.js";

const REPO = "view-org/model-repo";
/** The page is checked in Chromium (installed by `node scripts/system-deps.mjs`); missing → those tests skip. */
const noBrowser = missingOf("chromium").length > 0;
/** Screenshots for a human look (gitignored). */
const SHOTS = join(import.meta.dirname, "..", "..", "..", "test-output");

const chart = (title: string) =>
  [
    "```mermaid",
    "xychart-beta",
    `  title "${title}"`,
    `  x-axis ["0-10", "10-20", "20-30"]`,
    `  y-axis "share" 0 --> 0.6`,
    "  bar [0.2, 0.5, 0.3]",
    "  line [0.1, 0.4, 0.5]",
    "```",
  ].join("\n");

const COMMENT = [
  "<!-- mlops-gate:model -->",
  "### ✅ Gate passed for `model`",
  "",
  "| metric | baseline | candidate | Δ |",
  "|---|---:|---:|---:|",
  "| accuracy | 0.9301 | 0.9510 | +0.0209 |",
  "",
  "- [x] accuracy >= 0.90",
  "- [ ] latency_ms.p95 <= 0.5",
  "",
  "<details><summary>All metrics</summary>",
  "",
  "| metric | value |",
  "|---|---|",
  "| roc_auc | 0.98 |",
  "",
  "</details>",
].join("\n");

let emulator: Emulator;
let rest: RestClient;
let outDir: string;
let rendered: RenderedPage;
let pageText = "";

async function seed(): Promise<void> {
  const commit = await rest.send<{ sha: string }>("POST", `/_emulator/repos/${REPO}/commits`, {
    branch: "feature",
    message: "Better model",
    files: { "params.yaml": "n_estimators: 20\n" },
  });
  const pr = await rest.send<{ number: number }>("POST", rest.repo("/pulls"), {
    title: "Train a bigger forest",
    head: "feature",
    base: "main",
  });
  await rest.send("POST", rest.repo(`/issues/${pr.number}/comments`), { body: COMMENT });
  await rest.send("POST", rest.repo("/check-runs"), {
    name: "mlops gate (model)",
    head_sha: commit.sha,
    status: "completed",
    conclusion: "success",
    output: { title: "Gate passed: 3 of 3 rules", summary: "accuracy 0.9510 (+0.0209)" },
  });
  await rest.send("POST", rest.repo("/releases"), {
    tag_name: "model/v1",
    name: "model v1",
    target_commitish: "main",
    body: `## Model card: model v1\n\n| metric | value |\n|---|---|\n| accuracy | 0.9510 |\n\n${chart("Feature importance")}`,
  });
  const deployment = await rest.send<{ id: number }>("POST", rest.repo("/deployments"), {
    ref: "main",
    environment: "production",
    required_contexts: [],
    auto_merge: false,
  });
  await rest.send("POST", rest.repo(`/deployments/${deployment.id}/statuses`), {
    state: "success",
    description: "model v1 deployed",
  });
  const issue = await rest.send<{ number: number }>("POST", rest.repo("/issues"), {
    title: "Model monitoring: model",
    labels: ["mlops-monitoring"],
    body: `## ⚠️ Dataset drift detected\n\n${chart("mean_radius: reference vs current")}`,
  });
  await rest.send("POST", rest.repo(`/issues/${issue.number}/comments`), {
    body: `Run 2: drift share 0.4\n\n${chart("Drift share over time")}`,
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ validateResponses: true });
  rest = createRestClient(
    emulator.url,
    emulator.createToken(
      {
        contents: "write",
        issues: "write",
        pull_requests: "write",
        checks: "write",
        deployments: "write",
        actions: "read",
      },
      "reviewer",
    ),
    REPO,
  );
  await seed();
  outDir = mkdtempSync(join(tmpdir(), "mlops-view-"));
  const page = writeGitHubView(
    await collectView(rest, {
      model: "model",
      log: ["stage 1 ✔"],
      stages: [{ title: "pull request with a better model", status: "passed", detail: "gate passed" }],
    }),
    outDir,
  );
  if (noBrowser) return;
  rendered = await openPage(page, async (browserPage, result) => {
    mkdirSync(SHOTS, { recursive: true });
    await browserPage.screenshot({ path: join(SHOTS, "github-view.png"), fullPage: true });
    return result;
  });
  pageText = rendered.text;
}, 90_000);

afterAll(async () => {
  await emulator?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe.skipIf(noBrowser)("GitHub view of the emulator state", () => {
  it("shows the pull request, its sticky comment as a GFM table and its check run", () => {
    expect(pageText).toContain("#1 Train a bigger forest");
    expect(pageText).toContain("Gate passed for model");
    expect(pageText).toMatch(/accuracy\s+0\.9301\s+0\.9510\s+\+0\.0209/);
    expect(pageText).toContain("mlops gate (model)");
    expect(pageText).toContain("Gate passed: 3 of 3 rules");
  });

  it("shows the release with its model card, the deployment and the monitoring issue", () => {
    expect(pageText).toContain("Model card: model v1");
    expect(pageText).toMatch(/production\s+main\s+success\s+model v1 deployed/);
    expect(pageText).toContain("#2 Model monitoring: model");
    expect(pageText).toContain("mlops-monitoring");
  });

  it("renders every Mermaid block to an SVG from the local copy of Mermaid, offline", () => {
    expect(rendered.mermaidError).toBeUndefined();
    expect(rendered.mermaidState).toBe("done");
    expect(rendered.mermaidBlocks).toBe(3);
    expect(rendered.mermaidSvgs).toBe(rendered.mermaidBlocks);
    expect(rendered.networkRequests).toEqual([]);
    expect(emulator.violations).toEqual([]);
  });
});

describe("renderMarkdown", () => {
  it("renders task lists, raw <details> and escapes Mermaid sources", () => {
    const html = renderMarkdown(`${COMMENT}\n\n\`\`\`mermaid\nflowchart LR\n  a --> b\n\`\`\``);
    expect(html).toContain('<input checked="" disabled="" type="checkbox">');
    expect(html).toContain("<details><summary>All metrics</summary>");
    expect(html).toContain('<pre class="mermaid">flowchart LR\n  a --&gt; b</pre>');
  });
});
