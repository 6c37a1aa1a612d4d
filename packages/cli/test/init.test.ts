import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCliCaptured } from "../src/testing.js";

function cli(args: string[], cwd: string) {
  return runCliCaptured(args, { cwd });
}

/** A small scikit-learn project as people write them: unseeded, header-less savetxt data, a CML workflow. */
function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "init-project-"));
  const all: Record<string, string> = {
    "requirements.txt": "scikit-learn\nnumpy\n",
    "train.py": [
      "import json, pickle",
      "import numpy as np",
      "from sklearn.ensemble import RandomForestClassifier",
      'X = np.loadtxt("data/train.txt")',
      "y = (X[:, 0] > 0).astype(int)",
      "clf = RandomForestClassifier(n_estimators=20).fit(X, y)",
      'json.dump({"accuracy": clf.score(X, y)}, open("metrics.json", "w"))',
      'pickle.dump(clf, open("model.pkl", "wb"))',
      "",
    ].join("\n"),
    "data/train.txt": "1.0e+00 2.0e+00 3.0e+00\n4.0e+00 5.0e+00 6.0e+00\n",
    ".github/workflows/cml.yaml": [
      "name: CML",
      "on: [push]",
      "jobs:",
      "  train:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - uses: actions/checkout@v4",
      "      - uses: iterative/setup-cml@v2",
      "      - name: Train model",
      "        env:",
      "          REPO_TOKEN: $" + "{{ secrets.GITHUB_TOKEN }}",
      "        run: |",
      "          pip install -r requirements.txt",
      "          python train.py",
      "          cat metrics.json > report.md",
      "          cml comment create report.md",
      "",
    ].join("\n"),
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

interface Workflow {
  jobs: Record<string, { with?: Record<string, unknown> }>;
}

describe("mlops init writes a setup that runs", () => {
  it("every script the workflows run exists, fails naming the file to edit, and is a next step", async () => {
    const dir = project();
    const result = await cli(["init", "--yes", "--model", "churn"], dir);
    expect(result.code).toBe(0);
    // Every `./script` a generated workflow runs was written, executable.
    const referenced: string[] = [];
    for (const name of ["mlops-pr-check.yml", "mlops-release.yml", "mlops-monitor.yml"]) {
      const workflow = parse(readFileSync(join(dir, ".github/workflows", name), "utf8")) as Workflow;
      for (const job of Object.values(workflow.jobs))
        for (const value of Object.values(job.with ?? {}))
          if (typeof value === "string" && value.startsWith("./")) referenced.push(value.slice(2));
    }
    expect(referenced.sort()).toEqual(["deploy.sh", "scripts/export-production-data.sh"]);
    for (const script of referenced) {
      expect(statSync(join(dir, script)).mode & 0o111).not.toBe(0);
      const run = spawnSync("bash", [join(dir, script)], { cwd: dir, encoding: "utf8" });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`edit ${script === "deploy.sh" ? "deploy.sh" : "it"}`);
      expect(run.stderr).toContain(script);
      expect(result.stdout).toMatch(new RegExp(`\\d+\\. Edit ${script.replace(".", "\\.")}`));
    }
    // The monitoring section names the detected data; the workflow reads the registry's profile of it.
    const config = parse(readFileSync(join(dir, "mlops.yml"), "utf8")) as {
      models: [{ monitoring: { reference: string; current: string[] }; setup?: string }];
    };
    // numpy's savetxt layout, read from the data's first line: no header, whitespace between values.
    expect(config.models[0].monitoring).toEqual({
      reference: "data/train.txt",
      delimiter: "whitespace",
      header: false,
      current: ["production-data/*.txt"],
    });
    const monitor = parse(readFileSync(join(dir, ".github/workflows/mlops-monitor.yml"), "utf8")) as Workflow;
    expect(monitor.jobs.monitor?.with?.reference).toBe("registry");
    // What the training writes, found in the script rather than guessed.
    expect(readFileSync(join(dir, "mlops.yml"), "utf8")).toContain('artifacts: ["model.pkl"]');
    expect((await cli(["validate"], dir)).code).toBe(0);
    // How to get a baseline is a next step.
    expect(result.stdout).toContain("Get a baseline: run the PR check on `main` once");
    // So is protecting @production: require_protection and the version-tag ruleset, as JSON for the rulesets API.
    const protect = result.stdout.split("\n").find((line) => line.includes("Protect @production"));
    expect(protect).toContain("`require_protection: true`");
    const ruleset = JSON.parse(/<<< '(\{.*\})'/.exec(protect ?? "")?.[1] ?? "null") as {
      target: string;
      conditions: { ref_name: { include: string[] } };
      rules: Array<{ type: string }>;
    };
    expect(ruleset.target).toBe("tag");
    expect(ruleset.conditions.ref_name.include).toEqual([
      expect.stringMatching(/^refs\/tags\/[a-z0-9._-]+\/v\*$/),
    ]);
    expect(ruleset.rules.map((r) => r.type)).toEqual(["update", "deletion"]);
    // Keyless signing needs only the register job's permissions, which the release workflow grants.
    const release = parse(readFileSync(join(dir, ".github/workflows/mlops-release.yml"), "utf8")) as {
      jobs: Record<string, { permissions?: Record<string, string> }>;
    };
    expect(release.jobs.release?.permissions).toMatchObject({ "id-token": "write", attestations: "write" });
    const signed = result.stdout.split("\n").find((line) => line.includes("Signed versions"));
    expect(signed).toMatch(/signs every version keyless .* `id-token: write` and `attestations: write`/);
    expect(signed).toContain("MLOPS_SIGNING_KEY");
    expect(signed).toContain("docs/signing.md");
  });

  it("declares nothing for a CSV with a header; a semicolon CSV gets its delimiter", async () => {
    const csv = project({ "data/train.txt": "", "data/train.csv": "a,b,label\n1,2,0\n" });
    await cli(["init", "--yes", "--reference-data", "data/train.csv"], csv);
    const plain = parse(readFileSync(join(csv, "mlops.yml"), "utf8")) as { models: [{ monitoring: object }] };
    expect(plain.models[0].monitoring).toEqual({
      reference: "data/train.csv",
      current: ["production-data/*.csv"],
    });
    const semi = project({ "data/train.csv": "a;b;label\n1;2;0\n" });
    await cli(["init", "--yes", "--reference-data", "data/train.csv"], semi);
    const semicolon = parse(readFileSync(join(semi, "mlops.yml"), "utf8")) as {
      models: [{ monitoring: Record<string, unknown> }];
    };
    expect(semicolon.models[0].monitoring).toMatchObject({ delimiter: ";" });
    expect(semicolon.models[0].monitoring.header).toBeUndefined();
  });

  it("prints the defaults a non-interactive run took, and where each came from", async () => {
    const dir = project();
    const result = await cli(["init", "--yes"], dir);
    expect(result.stdout).toContain("Defaults taken (no questions asked");
    expect(result.stdout).toMatch(/--model +init-project-\w+ +\(the folder name\)/);
    expect(result.stdout).toMatch(/--train-command +python train\.py +\(train\.py found\)/);
    expect(result.stdout).toMatch(/--metrics +metrics\.json +\(written by train\.py\)/);
    expect(result.stdout).toMatch(/--artifacts +model\.pkl +\(written by train\.py\)/);
    expect(result.stdout).toMatch(/--reference-data +data\/train\.txt +\(data file found\)/);
    expect(result.stdout).toMatch(/setup-command +pip install -r requirements\.txt +\(requirements\.txt/);
    // Flags given are not "taken defaults".
    const flagged = await cli(["init", "--yes", "--model", "x", "--force"], project());
    expect(flagged.stdout).not.toMatch(/--model +/);
  });

  it("without requirements.txt the workflows install nothing rather than fail on a missing file", async () => {
    const dir = project();
    await cli(["init", "--yes"], dir);
    const withReqs = parse(
      readFileSync(join(dir, ".github/workflows/mlops-pr-check.yml"), "utf8"),
    ) as Workflow;
    expect(withReqs.jobs.model?.with?.["setup-command"]).toBe("pip install -r requirements.txt");
    const none = mkdtempSync(join(tmpdir(), "init-bare-"));
    writeFileSync(join(none, "train.py"), "import random\nrandom.seed(1)\n");
    await cli(["init", "--yes"], none);
    const pr = parse(readFileSync(join(none, ".github/workflows/mlops-pr-check.yml"), "utf8")) as Workflow;
    expect(pr.jobs.model?.with?.["setup-command"]).toBeUndefined();
    expect(pr.jobs.model?.with?.["train-command"]).toBe("python train.py");
  });

  it("names the repository's own default branch in the workflows and the baseline advice", async () => {
    const dir = project({ ".git/HEAD": "ref: refs/heads/master\n" });
    const result = await cli(["init", "--yes"], dir);
    expect(result.stdout).toContain("Get a baseline: run the PR check on `master` once (a push to `master`");
    expect(readFileSync(join(dir, ".github/workflows/mlops-pr-check.yml"), "utf8")).toContain(
      "branches: [master]",
    );
  });

  it("never replaces an existing deploy.sh, --force included", async () => {
    const dir = project({ "deploy.sh": "#!/bin/sh\necho mine\n" });
    const result = await cli(["init", "--yes", "--force"], dir);
    expect(result.stdout).toMatch(/kept\s+deploy\.sh/);
    expect(readFileSync(join(dir, "deploy.sh"), "utf8")).toBe("#!/bin/sh\necho mine\n");
    expect(result.stdout).not.toMatch(/Edit deploy\.sh/);
  });

  it("names an existing CML workflow's reporting lines, and --replace-cml removes them (one reporter)", async () => {
    const dir = project();
    const told = await cli(["init", "--yes"], dir);
    expect(told.stdout).toContain(
      ".github/workflows/cml.yaml reports with CML on every push: with mlops-pr-check.yml, pull requests would get two reports.",
    );
    expect(told.stdout).toContain(".github/workflows/cml.yaml:8: - uses: iterative/setup-cml@v2");
    expect(told.stdout).toContain(".github/workflows/cml.yaml:16: cml comment create report.md");
    expect(readFileSync(join(dir, ".github/workflows/cml.yaml"), "utf8")).toContain("cml comment create");

    const replaced = await cli(["init", "--yes", "--replace-cml"], dir);
    expect(replaced.code).toBe(0);
    const text = readFileSync(join(dir, ".github/workflows/cml.yaml"), "utf8");
    expect(text).not.toMatch(/cml comment|setup-cml/);
    // The rest of the workflow is untouched: its training step and formatting stay.
    expect(text).toContain("on: [push]");
    expect(text).toContain("          python train.py\n          cat metrics.json > report.md\n");
    expect(replaced.stdout).toContain("removed its CML reporting (2 lines)");
    // A third run finds nothing left to report about.
    expect((await cli(["init", "--yes"], dir)).stdout).not.toContain("reports with CML");
  });

  it("suggests per-example output and a significant rule when the training sets no seed", async () => {
    const unseeded = await cli(["init", "--yes"], project());
    expect(unseeded.stdout).toContain(
      "train.py sets no random seed, so its metrics vary from run to run: seed it (e.g. random_state=0), or have it write per-example results",
    );
    expect(unseeded.stdout).toContain("`accuracy >= baseline - 0.01 significant`");
    const seededDir = project({
      "train.py": readFileSync(join(project(), "train.py"), "utf8").replace(
        "n_estimators=20",
        "n_estimators=20, random_state=0",
      ),
    });
    const seeded = await cli(["init", "--yes"], seededDir);
    expect(seeded.stdout).not.toContain("sets no random seed");
    expect(readFileSync(join(seededDir, "mlops.yml"), "utf8")).not.toContain("sets no random seed");
  });
});
