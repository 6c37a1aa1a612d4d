import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryRuntime, runAction } from "@mlops/action-kit";
import { createDirectoryArtifactStore } from "@mlops/action-kit/testing";
import { parseRunManifest, sweepCellOf } from "@mlops/core";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/main.js";

const CONFIG = `version: 1
models:
  - name: churn
    metrics: [metrics.json]
    params: [params.yaml]
    artifacts: ["model/**"]
    data: [data.csv]
    per_example: predictions.csv
`;

const TRAIN = [
  "mkdir -p model",
  `printf 'weights-%s' "$SEED" > model/weights.bin`,
  `echo '{"accuracy": 0.91, "loss": {"val": 0.25}, "note": "ok"}' > metrics.json`,
  "printf 'id,correct\\n1,1\\n2,0\\n' > predictions.csv",
  "echo training done",
].join(" && ");

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function project(): Promise<{ work: string; store: string }> {
  const work = await mkdtemp(join(tmpdir(), "train-work-"));
  const store = await mkdtemp(join(tmpdir(), "train-store-"));
  dirs.push(work, store);
  await writeFile(join(work, "mlops.yml"), CONFIG);
  await writeFile(join(work, "params.yaml"), "model:\n  depth: 4\n  kind: forest\nseed: 7\n");
  await writeFile(join(work, "data.csv"), "a,b\n1,2\n");
  return { work, store };
}

function env(work: string, inputs: Record<string, string>, attempt = 1): NodeJS.ProcessEnv {
  const vars: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    SEED: "42",
    GITHUB_WORKSPACE: work,
    GITHUB_REPOSITORY: "acme/churn",
    GITHUB_SHA: "a".repeat(40),
    GITHUB_REF: "refs/pull/7/merge",
    GITHUB_RUN_ID: "1234",
    GITHUB_RUN_ATTEMPT: String(attempt),
    GITHUB_WORKFLOW_REF: "acme/churn/.github/workflows/pr.yml@refs/pull/7/merge",
    GITHUB_SERVER_URL: "https://github.com",
    RUNNER_OS: "Linux",
  };
  for (const [name, value] of Object.entries(inputs)) vars[`INPUT_${name.toUpperCase()}`] = value;
  return vars;
}

async function train(work: string, store: string, inputs: Record<string, string>, attempt = 1) {
  const runtime = createMemoryRuntime();
  await runAction(
    (rt) =>
      main(rt, {
        env: env(work, inputs, attempt),
        artifacts: createDirectoryArtifactStore(store),
      }),
    runtime,
  );
  return runtime;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("train action", () => {
  it("runs the command, writes run.json with hashes and uploads mlops-<model>", async () => {
    const { work, store } = await project();
    const runtime = await train(work, store, { command: TRAIN });
    expect(runtime.failure).toBeUndefined();
    expect(runtime.lines.some((l) => l.message === "training done")).toBe(true);

    const manifest = parseRunManifest(await readFile(join(work, "run.json"), "utf8"));
    expect(manifest.model).toBe("churn");
    expect(manifest.commit).toBe("a".repeat(40));
    expect(manifest.run).toMatchObject({ id: 1234, attempt: 1 });
    expect(manifest.metrics).toEqual({ accuracy: 0.91, "loss.val": 0.25 });
    expect(manifest.params).toEqual({ "model.depth": 4, "model.kind": "forest", seed: 7 });
    expect(manifest.files).toEqual([
      { path: "model/weights.bin", size: "weights-42".length, sha256: sha256("weights-42") },
    ]);
    expect(manifest.data).toEqual([{ path: "data.csv", size: 8, sha256: sha256("a,b\n1,2\n") }]);
    expect(manifest.command.exit_code).toBe(0);
    expect(manifest.runner.os).toBe("Linux");

    expect(runtime.outputs["artifact-name"]).toBe("mlops-churn");
    expect(runtime.outputs.manifest).toBe(join(work, "run.json"));
    expect(JSON.parse(runtime.outputs.metrics ?? "{}")).toEqual(manifest.metrics);
    const uploaded = (await readdir(join(store, "mlops-churn"), { recursive: true })).sort();
    expect(uploaded).toEqual(
      expect.arrayContaining([
        "metrics.json",
        "model/weights.bin",
        "params.yaml",
        "predictions.csv",
        "run.json",
      ]),
    );
    expect(await readFile(join(store, "mlops-churn", "run.json"), "utf8")).toBe(
      await readFile(join(work, "run.json"), "utf8"),
    );
    expect(runtime.lines.some((l) => l.level === "warning" && l.message.includes("note"))).toBe(true);
    expect(runtime.summary.join("\n")).toMatch(/\| accuracy\s+\|\s+0\.91 \|/);
    // a leaf that is not a number is said in the summary too, not only in a warning annotation
    expect(runtime.summary.join("\n")).toContain('Left out, not numbers: `metrics.json:note` ("ok").');
  });

  it("uploads a re-run as mlops-<model>-attempt-<n>", async () => {
    const { work, store } = await project();
    const runtime = await train(work, store, { command: TRAIN }, 3);
    expect(runtime.failure).toBeUndefined();
    expect(runtime.outputs["artifact-name"]).toBe("mlops-churn-attempt-3");
    expect(await readdir(store)).toEqual(["mlops-churn-attempt-3"]);
  });

  it("trains a sweep cell: its values as MLOPS_PARAM_* variables, recorded in run.json, a cell-specific artifact", async () => {
    const { work, store } = await project();
    const command = `mkdir -p model && touch model/w && echo "{\\"accuracy\\": $MLOPS_PARAM_LR, \\"depth\\": $MLOPS_PARAM_MAX_DEPTH}" > metrics.json && echo "$MLOPS_SWEEP_PARAMS" > cell.json`;
    const cell = JSON.stringify({ lr: 0.25, "max-depth": 3 });
    const runtime = await train(work, store, { command, metrics: "metrics.json", "sweep-cell": cell }, 2);
    expect(runtime.failure).toBeUndefined();
    const manifest = parseRunManifest(await readFile(join(work, "run.json"), "utf8"));
    expect(manifest.metrics).toEqual({ accuracy: 0.25, depth: 3 });
    const id = sweepCellOf({ lr: 0.25, "max-depth": 3 }).id;
    expect(manifest.sweep).toEqual({ cell: id, values: { lr: 0.25, "max-depth": 3 } });
    expect(JSON.parse(await readFile(join(work, "cell.json"), "utf8"))).toEqual({ lr: 0.25, "max-depth": 3 });
    expect(runtime.outputs["sweep-cell"]).toBe(id);
    expect(runtime.outputs["artifact-name"]).toBe(`mlops-churn-cell-${id}-attempt-2`);
    expect(await readdir(store)).toEqual([`mlops-churn-cell-${id}-attempt-2`]);

    const bad = await train(work, store, { command, "sweep-cell": "[1]" });
    expect(bad.failure).toMatch(/sweep-cell: expected a JSON object of the cell's matrix values/);
  });

  it("on GitHub Enterprise Server, fails before training when it would upload an artifact (GHES has no artifact service v2)", async () => {
    const { work } = await project();
    const runtime = createMemoryRuntime();
    // No artifact store given: the action picks the real one, which GHES cannot serve.
    const vars = { ...env(work, { command: TRAIN }), GITHUB_SERVER_URL: "https://ghes.example.com" };
    await runAction((rt) => main(rt, { env: vars }), runtime);
    expect(runtime.failure).toMatch(
      /^train cannot upload mlops-churn: The Actions artifact service is not available on GitHub Enterprise Server \(https:\/\/ghes\.example\.com\)/,
    );
    expect(runtime.lines.some((l) => l.message === "training done")).toBe(false); // the command never ran
    expect(runtime.lines.find((l) => l.level === "warning")?.message).toMatch(
      /^GitHub Enterprise Server detected \(GITHUB_SERVER_URL=https:\/\/ghes\.example\.com\)/,
    );
    // Without the upload it trains as usual.
    const local = await train(work, await mkdtemp(join(tmpdir(), "train-store-")), {
      command: TRAIN,
      "upload-artifact": "false",
    });
    expect(local.failure).toBeUndefined();
  });

  it("fails the step with the command's exit code", async () => {
    const { work, store } = await project();
    const runtime = await train(work, store, { command: "echo starting; exit 3" });
    expect(runtime.failure).toBe("Training failed with exit code 3: echo starting; exit 3");
    expect(runtime.lines.some((l) => l.message === "starting")).toBe(true);
    expect(await readdir(store)).toEqual([]);
  });

  it("names every declared file the training did not write, in one error", async () => {
    const { work, store } = await project();
    const runtime = await train(work, store, { command: "true", metrics: "eval.json\nscores/*.json" });
    expect(runtime.failure).toMatch(
      /^Declared files are missing after training: metric files: no files at "eval.json", "scores\/\*.json"; model files: no file at "model\/\*\*" \(relative to /,
    );
    expect(runtime.failure?.split("\n")).toHaveLength(1);
  });

  it("shows each metric with the precision and unit of mlops.yml's metric_specs", async () => {
    const { work, store } = await project();
    await writeFile(
      join(work, "mlops.yml"),
      `version: 1
defaults:
  metric_specs:
    latency: { unit: ms, precision: 3 }
models:
  - name: churn
    metrics: [metrics.json]
    metric_specs:
      precision: { goal: maximize, precision: 2 }
`,
    );
    const command = `echo '{"precision": 0.912345, "latency": 12.34567, "recall": 0.123456789}' > metrics.json`;
    const runtime = await train(work, store, { command });
    expect(runtime.failure).toBeUndefined();
    const summary = runtime.summary.join("\n");
    expect(summary).toMatch(/\| precision +\| +0\.91 \|/);
    expect(summary).toMatch(/\| latency +\| +12\.3 ms \|/);
    expect(summary).toMatch(/\| recall +\| +0\.123457 \|/); // no spec: 6 significant digits
  });

  it("warns when a re-run of the same commit gives different metrics (unseeded training)", async () => {
    const { work, store } = await project();
    const command = `mkdir -p model && echo w > model/weights.bin && echo "{\\"accuracy\\": 0.9$SEED}" > metrics.json`;
    const first = await train(work, store, { command });
    expect(first.failure).toBeUndefined();
    // Attempt 2 of the same run, same metrics: nothing to say.
    const same = await train(work, store, { command }, 2);
    expect(same.lines.filter((l) => l.level === "warning" && /not deterministic/.test(l.message))).toEqual(
      [],
    );
    // Attempt 3 gives another accuracy: a warning and a summary note that point to `significant` rules.
    const runtime = createMemoryRuntime();
    await runAction(
      (rt) =>
        main(rt, {
          env: { ...env(work, { command }, 3), SEED: "7" },
          artifacts: createDirectoryArtifactStore(store),
        }),
      runtime,
    );
    expect(runtime.failure).toBeUndefined();
    const warning = runtime.lines.find((l) => l.level === "warning" && /not deterministic/.test(l.message));
    expect(warning?.message).toContain(
      "this re-run of the same commit gives different metrics than attempt 2 (accuracy 0.942 → 0.97)",
    );
    expect(warning?.message).toContain("`accuracy >= baseline - 0.01 significant`");
    expect(runtime.summary.join("\n")).toContain("> [!WARNING]\n> Training is not deterministic");
  });
});
