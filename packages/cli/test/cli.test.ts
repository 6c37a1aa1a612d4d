import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCliCaptured } from "../src/testing.js";

const root = join(import.meta.dirname, "../../..");

function cli(args: string[], cwd = root) {
  return runCliCaptured(args, { cwd });
}

describe("mlops diff", () => {
  it("prints the goal-aware JSON diff of the example metrics", async () => {
    const result = await cli([
      "diff",
      "examples/metrics/base.json",
      "examples/metrics/head.json",
      "--config",
      "examples/metrics/mlops.yml",
      "--format",
      "json",
    ]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      metrics: { name: string; verdict: string; base: number | null }[];
    };
    const verdicts = Object.fromEntries(json.metrics.map((m) => [m.name, m.verdict]));
    expect(verdicts).toMatchObject({
      accuracy: "improved",
      log_loss: "improved",
      precision: "added",
      "latency_ms.p95": "unchanged",
    });
    expect(json.metrics.find((m) => m.name === "precision")?.base).toBeNull();
  });

  it("exits 1 on a regression with --fail-on-regression, 2 on a missing file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    writeFileSync(
      join(dir, "mlops.yml"),
      "version: 1\nmodels:\n  - name: m\n    metric_specs:\n      acc: { goal: maximize }\n",
    );
    writeFileSync(join(dir, "a.json"), '{"acc": 0.9}');
    writeFileSync(join(dir, "b.json"), '{"acc": 0.8}');
    expect((await cli(["diff", "a.json", "b.json", "--fail-on-regression"], dir)).code).toBe(1);
    const missing = await cli(["diff", "a.json", "nope.json"], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`mlops: metrics file not found: nope.json (looked in ${dir})`);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("mlops validate and gate", () => {
  it("validates configs with file:line:column errors and exit code 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    writeFileSync(join(dir, "mlops.yml"), "version: 1\nmodels:\n  - name: m\n    gate:\n      rules: oops\n");
    const result = await cli(["validate"], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^mlops: .*mlops\.yml:5:14: models\[0\]\.gate\.rules: expected array/);
    expect((await cli(["validate", "--config", "examples/metrics/mlops.yml"])).code).toBe(0);
  });

  it("validate says which environments deploy checks for required reviewers, and notes an unchecked production", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const environments = (production: string) =>
      `version: 1\nmodels:\n  - name: fraud\n    environments:\n      - name: staging\n      - name: production\n${production}`;
    writeFileSync(join(dir, "mlops.yml"), environments("        require_protection: true\n"));
    const checked = await cli(["validate"], dir);
    expect(checked.code).toBe(0);
    expect(checked.stderr).not.toContain("require_protection");
    expect(checked.stdout.split("\n")[1]).toBe(
      "protected: fraud → production: deploy refuses unless the GitHub environment 'production' has required reviewers",
    );
    writeFileSync(join(dir, "mlops.yml"), environments(""));
    const unchecked = await cli(["validate"], dir);
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout.split("\n")).toHaveLength(1);
    expect(unchecked.stderr).toMatch(/^note: fraud's production environment has no require_protection: true/);
  });

  it("validate says who deploy trusts to have signed a version, and notes when unsigned ones are deployed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const config = (signing: string) => `version: 1\nmodels:\n  - name: fraud\n${signing}`;
    writeFileSync(join(dir, "mlops.yml"), config(""));
    const unsigned = await cli(["validate"], dir);
    expect(unsigned.code).toBe(0);
    expect(unsigned.stderr).toMatch(
      /^note: registry\.signing\.required is not true — deploy will deploy a version that is not signed\. The release workflow's register job signs keyless \(it has id-token: write\) or with the MLOPS_SIGNING_KEY secret; .*docs\/signing\.md/m,
    );
    writeFileSync(
      join(dir, "mlops.yml"),
      config(
        "registry:\n  signing:\n    required: true\n    workflow: .github/workflows/mlops-release.yml\n    sigstore: { instance: github }\n",
      ),
    );
    const keyless = await cli(["validate"], dir);
    expect([keyless.code, keyless.stderr]).toEqual([0, ""]);
    expect(keyless.stdout.split("\n").slice(1)).toEqual([
      "signed: required — register refuses to publish an unsigned version and deploy refuses to deploy one",
      "signed: trusted keyless: a Sigstore certificate of .github/workflows/mlops-release.yml at refs/heads/main, refs/tags/v* (Sigstore instance: github)",
    ]);
    writeFileSync(
      join(dir, "mlops.yml"),
      config("registry:\n  signing:\n    required: true\n    keyless: false\n"),
    );
    const nothing = await cli(["validate"], dir);
    expect(nothing.stderr).toContain(
      "note: registry.signing.required is true but keyless is false and there is no public_key: deploy cannot verify any version",
    );
  });

  it("evaluates gate rules: pass, fail with exit 1, one-line message with exit 2", async () => {
    const pass = await cli([
      "gate",
      "--metrics",
      "examples/metrics/head.json",
      "--baseline",
      "examples/metrics/base.json",
      "--config",
      "examples/metrics/mlops.yml",
      "--format",
      "json",
    ]);
    expect(pass.code).toBe(0);
    expect(JSON.parse(pass.stdout).passed).toBe(true);
    const fail = await cli(["gate", "--metrics", "examples/metrics/base.json", "--rule", "accuracy >= 0.95"]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/gate failed/);
    const bad = await cli(["gate", "--metrics", "examples/metrics/head.json", "--rule", "f1 >= baseline -"]);
    expect(bad.code).toBe(2);
    // one line (issue 19): the flag, what was expected, the column and the rule
    expect(bad.stderr.trim()).toBe(
      'mlops: --rule: invalid rule: expected a number, `baseline` or a metric name (at column 17 of "f1 >= baseline -")',
    );
  });

  it("without a baseline counts skipped rules, and fails on them with --on-skipped fail or gate.on_skipped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-gate-"));
    writeFileSync(join(dir, "m.json"), '{"accuracy": 0.95, "f1": 0.7}');
    const args = [
      "gate",
      "--metrics",
      "m.json",
      "--rule",
      "accuracy >= 0.9",
      "--rule",
      "f1 >= baseline - 0.01",
    ];
    const warn = await cli(args, dir);
    expect(warn.code).toBe(0);
    expect(warn.stdout).toContain("gate passed — 1 rule checked, 1 skipped: no baseline");
    const strict = await cli([...args, "--on-skipped", "fail", "--format", "json"], dir);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({
      passed: false,
      verdict: "❌ model: gate failed — 1 rule checked, 1 skipped: no baseline (gate.on_skipped: fail)",
      rules: [{ skipped: false }, { skipped: true, skipReason: "no baseline" }],
    });
    writeFileSync(
      join(dir, "mlops.yml"),
      "version: 1\nmodels:\n  - name: m\n    gate:\n      on_skipped: fail\n      rules: ['f1 >= baseline']\n",
    );
    expect((await cli(["gate", "--metrics", "m.json"], dir)).code).toBe(1);
    expect((await cli(["gate", "--metrics", "m.json", "--on-skipped", "warn"], dir)).code).toBe(0);
    expect((await cli(["gate", "--metrics", "m.json", "--on-skipped", "maybe"], dir)).code).toBe(2);
  });
});

describe("mlops init", () => {
  it("writes mlops.yml and workflows once, and never overwrites without --force", async () => {
    const dir = mkdtempSync(join(tmpdir(), "init-"));
    writeFileSync(join(dir, "requirements.txt"), "scikit-learn\n");
    const first = await cli(["init", "--yes", "--model", "churn", "--ref", "v9.9.9"], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/python project/);
    const pr = readFileSync(join(dir, ".github/workflows/mlops-pr-check.yml"), "utf8");
    expect(pr).toContain("reusable-pr-check.yml@v9.9.9");
    expect(pr).toContain("model-name: churn");
    expect((await cli(["validate"], dir)).code).toBe(0);
    const second = await cli(["init", "--yes", "--model", "churn", "--ref", "v9.9.9"], dir);
    expect(second.stdout).toMatch(/unchanged\s+mlops\.yml/);
    writeFileSync(join(dir, "mlops.yml"), "# mine\n");
    expect((await cli(["init", "--yes", "--model", "churn"], dir)).stdout).toMatch(/skipped\s+mlops\.yml/);
    expect(readFileSync(join(dir, "mlops.yml"), "utf8")).toBe("# mine\n");
    expect((await cli(["init", "--yes", "--model", "churn", "--force"], dir)).stdout).toMatch(
      /overwritten\s+mlops\.yml/,
    );
  });
});
