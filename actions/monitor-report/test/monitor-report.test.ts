import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryRuntime, type MemoryRuntime, runAction } from "@mlops/action-kit";
import { createDirectoryArtifactStore } from "@mlops/action-kit/testing";
import { type GitHubClient, moveAlias, registerModel } from "@mlops/github";
import { emulatorClient, emulatorClientFactory } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { profileFiles } from "@mlops/monitor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/main.js";

const OWNER = "acme";
let emulator: Emulator;
let token: string;
let client: GitHubClient;
let dir: string;

/** A CSV with a numerical column `x` (shifted by `shift`) and a categorical `c`. */
function csv(rows: number, shift: number): string {
  const lines = ["x,c"];
  for (let i = 0; i < rows; i++) lines.push(`${(i % 50) + shift},${["a", "b", "c"][i % 3]}`);
  return `${lines.join("\n")}\n`;
}

beforeAll(async () => {
  emulator = await startEmulator();
  token = emulator.createToken({ contents: "write", issues: "write", actions: "read" });
  client = emulatorClient(emulator, token);
  dir = await mkdtemp(join(tmpdir(), "monitor-report-"));
  await writeFile(join(dir, "reference.csv"), csv(300, 0));
  await writeFile(join(dir, "drifted.csv"), csv(300, 30));
  await writeFile(join(dir, "same.csv"), csv(300, 0));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function runStep(repo: string, runId: number, inputs: Record<string, string>): Promise<MemoryRuntime> {
  const runtime = createMemoryRuntime();
  const env: NodeJS.ProcessEnv = {
    GITHUB_REPOSITORY: `${OWNER}/${repo}`,
    GITHUB_RUN_ID: String(runId),
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_SERVER_URL: "https://github.localhost",
    GITHUB_API_URL: emulator.url,
    GITHUB_WORKSPACE: dir,
  };
  for (const [k, v] of Object.entries({ "github-token": token, "model-name": "churn", ...inputs }))
    env[`INPUT_${k.toUpperCase()}`] = v;
  await runAction(
    (rt) =>
      main(rt, {
        env,
        cwd: dir,
        artifacts: createDirectoryArtifactStore(join(dir, "artifacts", repo, String(runId))),
        createClient: emulatorClientFactory(),
      }),
    runtime,
  );
  return runtime;
}

async function issuesOf(repo: string) {
  const { data } = await client.request("GET /repos/{owner}/{repo}/issues", {
    owner: OWNER,
    repo,
    labels: "mlops-monitoring",
    state: "all",
  });
  return data;
}

describe("monitor-report", () => {
  it("creates one issue per model, comments what changed each run, and says when drift clears", async () => {
    const repo = "monitor-issue";
    const first = await runStep(repo, 1, { reference: "reference.csv", current: "drifted.csv" });
    expect(first.failure).toBeUndefined();
    expect(first.outputs["drift-detected"]).toBe("true");
    expect(JSON.parse(first.outputs["drifted-columns"] ?? "[]")).toEqual(["x"]);
    const report = JSON.parse(readFileSync(first.outputs["report-path"] as string, "utf8"));
    expect(report).toMatchObject({ schema_version: 1, model: "churn", dataset_drift: true });
    expect(first.summary.join("")).toContain("Dataset drift detected");

    await runStep(repo, 2, { reference: "reference.csv", current: "drifted.csv" });
    const third = await runStep(repo, 3, { reference: "reference.csv", current: "same.csv" });
    expect(third.outputs["drift-detected"]).toBe("false");
    // one list of open issues per run
    const lists = emulator.requestLog.filter(
      (r) => r.method === "GET" && r.path.split("?")[0] === `/repos/${OWNER}/${repo}/issues`,
    );
    expect(lists).toHaveLength(3);

    const issues = await issuesOf(repo);
    expect(issues).toHaveLength(1);
    const issue = issues[0] as (typeof issues)[number];
    expect(issue.labels.map((l) => (typeof l === "string" ? l : l.name))).toEqual(["mlops-monitoring"]);
    expect(third.outputs["issue-url"]).toBe(issue.html_url);
    expect(issue.title).toBe("Monitoring: churn");
    const { data: comments } = await client.request(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
      {
        owner: OWNER,
        repo,
        issue_number: issue.number,
      },
    );
    expect(comments).toHaveLength(3);
    expect(comments[0]?.body).toContain(
      "First monitoring run: ⚠️ **dataset drift detected**: 1 of 2 columns drifted (threshold 50% reached).",
    );
    expect(comments[1]?.body).toContain("Dataset drift continues");
    expect(comments[1]?.body).toContain("Still drifting: `x`");
    expect(comments[2]?.body).toContain("**Drift cleared**");
    expect(comments[2]?.body).toContain("No longer drifting: `x`");
    // the body holds the drift-share-over-time chart (three runs); test/mermaid-render.test.ts renders
    // such bodies with real Mermaid
    const body = issue.body ?? "";
    const charts = [...body.matchAll(/```mermaid\n[\s\S]*?\n```/g)].map((m) => m[0]);
    expect(charts.length).toBeGreaterThan(0);
    const history = charts.find((c) => c.includes("Drift share over time")) ?? "";
    expect(history).toMatch(/line \[0.5, 0.5, 0\]/);
  });

  it("names drifted columns below the dataset drift threshold: warning, summary, issue title; no dispatch", async () => {
    const repo = "monitor-columns";
    // 20 columns, 4 of them shifted far (p ≈ 1e-16): dataset drift needs 50%, so the dataset does not drift
    const wide = (shift: number) =>
      `${[
        Array.from({ length: 20 }, (_, c) => `f${c}`).join(","),
        ...Array.from({ length: 300 }, (_, i) =>
          Array.from({ length: 20 }, (_, c) => (i % 50) + (c < 4 ? shift : 0)).join(","),
        ),
      ].join("\n")}\n`;
    await writeFile(join(dir, "wide-ref.csv"), wide(0));
    await writeFile(join(dir, "wide-cur.csv"), wide(30));
    const runtime = await runStep(repo, 1, {
      reference: "wide-ref.csv",
      current: "wide-cur.csv",
      "fail-on-drift": "true",
      "dispatch-on-drift": "true",
    });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs["drift-detected"]).toBe("false");
    expect(JSON.parse(runtime.outputs["drifted-columns"] ?? "[]")).toEqual(["f0", "f1", "f2", "f3"]);
    const warnings = runtime.lines.filter((l) => l.level === "warning").map((l) => l.message);
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^churn: 4 of 20 columns drifted \(dataset drift threshold 50% not reached\): f0 \(ks, p = .*\), f1 .*f3 /,
      ),
    );
    const summary = runtime.summary.join("");
    expect(summary).toContain("## ⚠️ 4 of 20 columns drifted (dataset drift threshold 50% not reached)");
    expect(summary).not.toMatch(/No (dataset )?drift/);
    const [issue] = await issuesOf(repo);
    expect(issue?.title).toBe("Monitoring: churn — 4 of 20 columns drifted");
    expect(issue?.body).toContain("First monitoring run: ⚠️ **4 of 20 columns drifted");
    const dispatches = (await (
      await fetch(`${emulator.url}/_emulator/repos/${OWNER}/${repo}/dispatches`)
    ).json()) as unknown[];
    expect(dispatches).toEqual([]);
  });

  it("fails with what was read when nothing could be compared (header-less data undeclared)", async () => {
    await writeFile(join(dir, "nums-ref.csv"), "1.5,2.5\n3.5,4.5\n");
    const runtime = await runStep("monitor-nothing", 1, { reference: "nums-ref.csv", current: "same.csv" });
    expect(runtime.failure).toMatch(/nums-ref\.csv:1: line 1 looks like data, not a header/);
    expect(runtime.summary.join("")).not.toMatch(/No (dataset )?drift/);
    await writeFile(join(dir, "other.csv"), "y,z\n1,a\n2,b\n");
    const disjoint = await runStep("monitor-nothing", 2, {
      reference: "reference.csv",
      current: "other.csv",
    });
    expect(disjoint.failure).toMatch(
      /^nothing was compared: the reference and the current data have no column in common \(reference .*reference\.csv: CSV, delimiter ",", first line read as the header, 2 column\(s\) \("x", "c"\), 300 row\(s\); current .*other\.csv: .*\)$/,
    );
    expect(await issuesOf("monitor-nothing")).toEqual([]);
  });

  it("too few rows: a column is 'not tested' in the summary and issue; no column tested fails, no issue", async () => {
    // c has values in 10 of 300 current rows: too few for a verdict, so x alone is tested
    const sparse = ["x,c", ...Array.from({ length: 300 }, (_, i) => `${i % 50},${i < 10 ? "a" : ""}`)];
    await writeFile(join(dir, "sparse.csv"), `${sparse.join("\n")}\n`);
    const runtime = await runStep("monitor-power", 1, { reference: "reference.csv", current: "sparse.csv" });
    expect(runtime.failure).toBeUndefined();
    const summary = runtime.summary.join("");
    expect(summary).toContain("## ✅ No drift: 0 of 1 column drifted (1 not tested: too few rows)");
    expect(summary).toContain("| not tested (too few rows: 300 reference, 10 current; need ≥ 30) |");
    const [issue] = await issuesOf("monitor-power");
    expect(issue?.body).toContain("not tested (too few rows: 300 reference, 10 current; need ≥ 30)");
    // five rows a side: nothing could be tested — the step fails as for other "nothing compared" inputs
    await writeFile(join(dir, "five-ref.csv"), csv(5, 0));
    await writeFile(join(dir, "five-cur.csv"), csv(5, 30));
    const tiny = await runStep("monitor-power-tiny", 1, {
      reference: "five-ref.csv",
      current: "five-cur.csv",
    });
    expect(tiny.failure).toMatch(
      /^nothing was compared: none of the 2 column\(s\) in common could be tested \(x: too few rows: 5 reference, 5 current; need ≥ 30; c: too few rows: 5 reference, 5 current; need ≥ 30\)/,
    );
    expect(tiny.summary.join("")).not.toMatch(/No (dataset )?drift/);
    expect(await issuesOf("monitor-power-tiny")).toEqual([]);
  });

  it("reads header-less np.savetxt data as mlops.yml's monitoring section declares it", async () => {
    const numpy = join(import.meta.dirname, "../../../packages/monitor/test/numpy");
    await writeFile(join(dir, "np-ref.txt"), readFileSync(join(numpy, "reference.txt")));
    await writeFile(join(dir, "np-cur.txt"), readFileSync(join(numpy, "current.txt")));
    await writeFile(
      join(dir, "mlops-np.yml"),
      "version: 1\nmodels:\n  - name: churn\n    monitoring:\n      delimiter: whitespace\n      header: false\n      columns: [c1, c2, c3, c4]\n",
    );
    const inputs = { reference: "np-ref.txt", current: "np-cur.txt", issue: "false" };
    const declared = await runStep("monitor-numpy", 1, { ...inputs, config: "mlops-np.yml" });
    expect(declared.failure).toBeUndefined();
    expect(JSON.parse(declared.outputs["drifted-columns"] ?? "[]")).toEqual(["c1"]);
    expect(declared.summary.join("")).toContain("## ⚠️ 1 of 4 columns drifted");
    const undeclared = await runStep("monitor-numpy", 2, { ...inputs, config: "missing.yml" });
    expect(undeclared.failure).toContain("each split into 4 fields on whitespace");
    expect(undeclared.failure).toContain("Declare the layout in mlops.yml's monitoring section");
  });

  it("publishes the summary, artifact, issue and dispatch before failing on drift", async () => {
    const repo = "monitor-fail";
    const runtime = await runStep(repo, 7, {
      reference: "reference.csv",
      current: "drifted.csv",
      "fail-on-drift": "true",
      "dispatch-on-drift": "true",
    });
    expect(runtime.failure).toMatch(/^Dataset drift: 1 of 2 columns drifted \(x\); report published\.$/);
    expect(runtime.summary.join("")).toContain("Dataset drift detected");
    expect(existsSync(join(dir, "artifacts", repo, "7", "mlops-monitor-churn", "report.json"))).toBe(true);
    expect(await issuesOf(repo)).toHaveLength(1);
    const dispatches = (await (
      await fetch(`${emulator.url}/_emulator/repos/${OWNER}/${repo}/dispatches`)
    ).json()) as {
      event_type: string;
      client_payload: Record<string, unknown>;
    }[];
    expect(dispatches).toHaveLength(1);
    expect(dispatches[0]).toMatchObject({
      event_type: "mlops.drift.detected",
      client_payload: { model: "churn", drifted_columns: ["x"] },
    });
  });

  it("uses the reference profile of the version behind @production", async () => {
    const repo = "monitor-registry";
    const profilePath = join(dir, "reference-profile.json");
    await writeFile(profilePath, JSON.stringify(await profileFiles([join(dir, "reference.csv")])));
    await mkdir(join(dir, "model"), { recursive: true });
    await writeFile(join(dir, "model", "model.bin"), "weights");
    const { data: ref } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo,
      ref: "heads/main",
    });
    await registerModel(client, {
      owner: OWNER,
      repo,
      model: "churn",
      commitSha: ref.object.sha,
      files: [{ path: join(dir, "model", "model.bin") }],
      metrics: { accuracy: 0.9 },
      extraAssets: [{ path: profilePath, name: "reference-profile.json" }],
      idempotencyKey: `${repo}/1/churn`,
    });
    await moveAlias(client, { owner: OWNER, repo, model: "churn", alias: "production", selector: "v1" });
    const runtime = await runStep(repo, 9, { reference: "registry", current: "drifted.csv", issue: "false" });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs["drifted-columns"]).toBe('["x"]');
    expect(runtime.outputs["issue-url"]).toBe("");
    const missing = await runStep("monitor-none", 1, { reference: "registry", current: "drifted.csv" });
    expect(missing.failure).toMatch(/churn/);
  });

  it("keeps the run history in the issue however large the report (issue 12, item 9)", async () => {
    // 2,000 columns, all drifting: the visible report is far over GitHub's 65,536-character issue body,
    // and the newest run's list of drifted columns alone is over the history block's budget.
    const columns = Array.from({ length: 2_000 }, (_, i) => `feature_${String(i).padStart(4, "0")}`);
    const wide = (shift: number) =>
      `${[columns.join(","), ...Array.from({ length: 120 }, (_, r) => columns.map((_, c) => ((r + c) % 40) + shift).join(","))].join("\n")}\n`;
    await writeFile(join(dir, "wide-reference.csv"), wide(0));
    await writeFile(join(dir, "wide-current.csv"), wide(100));
    const repo = "monitor-wide";
    const inputs = { reference: "wide-reference.csv", current: "wide-current.csv" };
    const first = await runStep(repo, 1, inputs);
    expect(first.failure).toBeUndefined();
    const second = await runStep(repo, 2, inputs);
    expect(second.failure).toBeUndefined();

    const issues = await issuesOf(repo);
    expect(issues).toHaveLength(1);
    const body = issues[0]?.body ?? "";
    expect([...body].length).toBeLessThanOrEqual(65_536);
    const state = /<!-- mlops-actions:monitoring-state (\{.*\}) -->\n?$/s.exec(body)?.[1] ?? "";
    const history = (JSON.parse(state) as { history: Array<{ drift_share: number; drifted_count?: number }> })
      .history;
    expect(history).toHaveLength(2);
    expect(history[1]?.drifted_count).toBe(2_000);
    const { data: comments } = await client.request(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
      { owner: OWNER, repo, issue_number: issues[0]?.number as number },
    );
    expect(comments).toHaveLength(2);
    expect(comments[0]?.body).toContain("First monitoring run");
    // The second run sees the first: no "first run" again.
    expect(comments[1]?.body).not.toContain("First monitoring run");
    expect(comments[1]?.body).toContain("Dataset drift continues");
    expect(comments[1]?.body).toContain("Drifted columns 2000 → 2000");
    expect(body).toMatch(/Cut to fit GitHub's issue body limit \(65,536 characters\)/);
    // The job summary of each step stays within GitHub's 1 MiB (bytes).
    for (const runtime of [first, second])
      expect(runtime.summary.reduce((n, part) => n + Buffer.byteLength(part) + 1, 0)).toBeLessThanOrEqual(
        1024 * 1024,
      );
  });

  it("a bad data file is one ::error annotation at its file and line (issue 19)", async () => {
    await writeFile(join(dir, "deep.jsonl"), `{"x":1}\n{"x":${"[".repeat(5000)}${"]".repeat(5000)}}\n`);
    await writeFile(join(dir, "head-only.csv"), "x,c\n");
    for (const [current, line, message] of [
      ["deep.jsonl", 2, /^bad JSONL row: the value of "x" nests objects\/arrays more than 64 levels deep$/],
      ["head-only.csv", undefined, /^no data rows \(only a header line\)$/],
    ] as const) {
      const runtime = await runStep("monitor-bad", 2, { reference: "reference.csv", current });
      const errors = runtime.lines.filter((l) => l.level === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message.slice(`${join(dir, current)}:${line ? `${line}:` : ""} `.length)).toMatch(
        message,
      );
      expect(errors[0]?.position).toEqual({ file: join(dir, current), ...(line ? { line } : {}) });
      expect(runtime.failure).toContain(join(dir, current));
    }
  });

  it("fails with one clear line on a bad input", async () => {
    const runtime = await runStep("monitor-bad", 1, { reference: "reference.csv", current: "nothing-*.csv" });
    expect(runtime.failure).toMatch(/nothing-\*\.csv/);
  });
});
