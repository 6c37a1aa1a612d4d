import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mermaidBlocks, mulberry32 } from "@mlops/core";
import { registerModel } from "@mlops/github";
import { describe, expect, it } from "vitest";
import {
  CONFIG,
  gateComments,
  metrics,
  OWNER,
  openPullRequest,
  runGate,
  tempDir,
  useGateEmulator,
  WRITE,
  workspace,
} from "./helpers.js";

const gh = useGateEmulator(
  { contents: "write", issues: "write", pull_requests: "write", checks: "write", actions: "write" },
  { emulator: { validateResponses: true } },
);

/** Binary predictions as `train` writes them: `skill` separates the classes' scores. */
function predictionsCsv(n: number, skill: number, seed: number): string {
  const random = mulberry32(seed);
  const rows = ["id,label,prediction,probability,correct"];
  for (let i = 0; i < n; i++) {
    const label = random() < 0.4 ? 1 : 0;
    const p = Math.round(Math.min(1, Math.max(0, label * skill + random() * (1 - skill))) * 1000) / 1000;
    const prediction = p >= 0.5 ? 1 : 0;
    rows.push(`ex${i},${label},${prediction},${p},${label === prediction ? 1 : 0}`);
  }
  return `${rows.join("\n")}\n`;
}

async function registerWithPredictions(repo: string, perExample: string) {
  const dir = await tempDir("gate-plots-registry-");
  await writeFile(join(dir, "model.bin"), "weights");
  await writeFile(join(dir, "predictions.csv"), perExample);
  const { data: main } = await gh.admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    owner: OWNER,
    repo,
    ref: "heads/main",
  });
  return registerModel(gh.admin, {
    owner: OWNER,
    repo,
    model: "churn",
    commitSha: main.object.sha,
    files: [{ path: join(dir, "model.bin") }],
    metrics: { accuracy: 0.8, f1: 0.7 },
    idempotencyKey: `${repo}/1/churn`,
    aliases: ["production"],
    extraAssets: [{ path: join(dir, "predictions.csv"), name: "per-example.csv" }], // as `register` attaches it
  });
}

describe("prediction plots in the PR comment", () => {
  it("draws the candidate against the production model from their per-example results", async () => {
    const pr = await openPullRequest(gh.admin, "gate-plots");
    await registerWithPredictions(pr.repo, predictionsCsv(200, 0.3, 2));
    const work = await workspace({
      "metrics.json": metrics(0.9, 0.85),
      "predictions.csv": predictionsCsv(200, 0.5, 1),
    });
    const runtime = await runGate({ ...gh, pr, workspace: work, inputs: {} });
    expect(runtime.failure).toBeUndefined();
    const [comment] = await gateComments(gh.admin, pr);
    const body = comment?.body ?? "";
    expect(body).toContain("**ROC curve**");
    expect(body).toContain("<summary>Precision–recall curve</summary>");
    expect(body).toContain("<summary>Confusion matrix (candidate and baseline)</summary>");
    expect(body).toContain("<summary>Calibration (reliability)</summary>");
    expect(body).toMatch(/🟦 candidate \(AUC [\d.]+\) \(line\) · 🟧 baseline \(AUC 0\.\d+\) \(line\)/);
    expect(body).toContain("| actual ↓ · predicted → | `0` | `1` |");
    // The trend: the one registered version, then this PR.
    expect(body).toContain("<summary>Metric trend (1 registered version)</summary>");
    expect(body).toMatch(/\| \[v1 \(@production\)\]\(\S+\) \| 0\.8 \| 0\.7 \|/);
    expect(body).toContain("| **this PR** | **0.9** | **0.85** |");
    expect(mermaidBlocks(body)).toHaveLength(4);
    // The job summary holds the same plots.
    expect(runtime.summary.join("\n")).toContain("**ROC curve**");
    expect(gh.emulator.violations).toEqual([]);
  });

  it("a per-example file kept for noise-aware rules only (no label column) draws nothing and says so in the log", async () => {
    const pr = await openPullRequest(gh.admin, "gate-plots-none");
    const work = await workspace({
      "metrics.json": metrics(0.9, 0.85),
      "predictions.csv": "id,correct\na,1\n",
    });
    const runtime = await runGate({ ...gh, pr, workspace: work, inputs: {} });
    const [comment] = await gateComments(gh.admin, pr);
    expect(comment?.body).not.toContain("```mermaid");
    expect(runtime.lines.map((l) => l.message).join("\n")).toMatch(
      /No plots: .*predictions.csv has no label column/,
    );
  });
});

describe("images the training writes (plots:)", () => {
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.alloc(64, 0xfe),
  ]);
  const config = CONFIG.replace(
    "    per_example: predictions.csv\n",
    "    plots:\n      - plots/*.png\n      - plots/loss.vl.json\n      - { path: plots/train.csv, x: step, y: loss }\n      - plots/notes.txt\n",
  );
  const loss = JSON.stringify({
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    mark: "line",
    data: {
      values: [
        { epoch: 1, loss: 0.9 },
        { epoch: 2, loss: 0.5 },
      ],
    },
    encoding: { x: { field: "epoch" }, y: { field: "loss" } },
  });

  async function candidateWithPlots() {
    const work = await workspace({ "mlops.yml": config, "metrics.json": metrics(0.9, 0.85) });
    await mkdir(join(work, "plots"));
    await writeFile(join(work, "plots", "roc.png"), png);
    await writeFile(join(work, "plots", "loss.vl.json"), loss);
    await writeFile(join(work, "plots", "train.csv"), "step,loss\n1,0.9\n2,0.4\n");
    await writeFile(join(work, "plots", "notes.txt"), "hello");
    return work;
  }

  it("commits them to the plots branch and shows them by same-repository URLs; specs and data files become charts", async () => {
    const pr = await openPullRequest(gh.admin, "gate-images");
    const work = await candidateWithPlots();
    const writer = gh.emulator.createToken({ ...WRITE, contents: "write" });
    const runtime = await runGate({ ...gh, token: writer, pr, workspace: work, inputs: {} });
    expect(runtime.failure).toBeUndefined();
    const [comment] = await gateComments(gh.admin, pr);
    const body = comment?.body ?? "";
    const { data: ref } = await gh.admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo: pr.repo,
      ref: "heads/mlops-plots",
    });
    const path = `churn/pr-${pr.number}/run-500-1/plots/roc.png`;
    expect(body).toContain(
      `![plots/roc.png](https://github.localhost/${OWNER}/${pr.repo}/blob/${ref.object.sha}/${path}?raw=true)`,
    );
    // The bytes on the branch are the image's.
    const { data: commit } = await gh.admin.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
      owner: OWNER,
      repo: pr.repo,
      commit_sha: ref.object.sha,
    });
    const { data: tree } = await gh.admin.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
      owner: OWNER,
      repo: pr.repo,
      tree_sha: commit.tree.sha,
      recursive: "1",
    });
    const entry = tree.tree.find((e) => e.path === path);
    const { data: blob } = await gh.admin.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
      owner: OWNER,
      repo: pr.repo,
      file_sha: entry?.sha ?? "",
    });
    expect(Buffer.from(blob.content, "base64")).toEqual(png);
    // The Vega-Lite spec and the data file are drawn; the text file is listed with the reason.
    expect(body).toContain("**plots/loss.vl.json**"); // the first plot, shown open
    expect(body).toContain("<summary>plots/train.csv</summary>");
    expect(mermaidBlocks(body)).toHaveLength(2);
    expect(body).toContain("- `plots/notes.txt`: not an image");
    expect(gh.emulator.violations).toEqual([]);
  });

  it("without contents: write, lists the images with the permission they need (no crash, no silent drop)", async () => {
    const pr = await openPullRequest(gh.admin, "gate-images-read");
    const work = await candidateWithPlots();
    const runtime = await runGate({ ...gh, pr, workspace: work, inputs: {} });
    expect(runtime.failure).toBeUndefined();
    const [comment] = await gateComments(gh.admin, pr);
    expect(comment?.body).toContain(
      "- `plots/roc.png`: not committed to the `mlops-plots` branch: the token lacks `contents: write`",
    );
    expect(runtime.lines.some((l) => l.level === "warning" && l.message.includes("contents: write"))).toBe(
      true,
    );
  });

  it("a workflow_run companion (a fork's run) never commits the fork's images to this repository", async () => {
    const pr = await openPullRequest(gh.admin, "gate-images-companion");
    const work = await candidateWithPlots();
    const writer = gh.emulator.createToken({ ...WRITE, contents: "write" });
    const runtime = await runGate({
      ...gh,
      token: writer,
      pr,
      workspace: work,
      eventName: "workflow_run",
      ref: "refs/heads/main",
      inputs: { baseline: "none", "pull-request": String(pr.number), "head-sha": pr.headSha },
    });
    expect(runtime.failure).toBeUndefined();
    const [comment] = await gateComments(gh.admin, pr);
    expect(comment?.body).toContain("- `plots/roc.png`: a workflow_run companion reports a fork's run");
    await expect(
      gh.admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
        owner: OWNER,
        repo: pr.repo,
        ref: "heads/mlops-plots",
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
