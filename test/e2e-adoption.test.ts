/**
 * Adoption end to end, as a new user would: a small scikit-learn repository that is NOT one of our examples
 * (header-less `np.savetxt` data, unseeded training, no `deploy.sh`, no mlops files) goes from
 * `mlops init` through a first baseline, a worse pull request, a release and monitoring, through the
 * `mlops` CLI only (`init`, `run-workflow` against the emulator). The user's own edits are the ones
 * `init`'s next steps ask for (deploy.sh, the export script, gate rules). Needs the bundled actions
 * (`pnpm build`) and Debian's python3-sklearn at /usr/bin/python3.
 *
 * The repository is a git repository; branches reach the emulator with `mlops local push` / `mlops local pr
 * open` (which also write the event payloads for `mlops run-workflow`), and the production deploy waits for
 * the required reviewer `mlops local environment` sets until `mlops local approve` approves it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliRun, runCliCaptured } from "@mlops/cli/testing";
import type { GitHubClient } from "@mlops/github";
import { emulatorClient } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import type { WorkflowResult } from "@mlops/workflow-runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingOf } from "../scripts/system-deps.mjs";

const OWNER = "acme";
const REPO = "xor-forest";
const MODEL = "xor-forest";
const PYTHON = "/usr/bin/python3";
/** Debian packages this file needs (installed by `node scripts/system-deps.mjs`); missing → its tests skip. */
const lacking = missingOf("python3-sklearn");
const PYTHON_VERSION = spawnSync(PYTHON, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], {
  encoding: "utf8",
}).stdout.trim();

/** The user's repository: what they had before hearing of mlops-actions. */
const TRAIN_PY = `import json
import pickle

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

data = np.loadtxt("data/train.txt")
X, y = data[:, :-1], data[:, -1].astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3)
clf = RandomForestClassifier(n_estimators=60)
clf.fit(X_train, y_train)
pred = clf.predict(X_test)
with open("metrics.json", "w") as f:
    json.dump({"accuracy": accuracy_score(y_test, pred), "f1": f1_score(y_test, pred)}, f)
with open("model.pkl", "wb") as f:
    pickle.dump(clf, f)
`;

/** Header-less, whitespace-separated data as numpy writes it; the label is the last column. */
function savetxt(path: string, rows: number, shift: number): void {
  const script = `import numpy as np
rng = np.random.default_rng(${rows})
X = rng.normal(size=(${rows}, 4))
X[:, 0] += ${shift}
y = ((X[:, 0] - ${shift}) * X[:, 1] > 0).astype(float)
np.savetxt(${JSON.stringify(path)}, np.column_stack([X, y]))
`;
  const dir = mkdtempSync(join(tmpdir(), "adopt-gen-"));
  writeFileSync(join(dir, "gen.py"), script);
  const run = spawnSync(PYTHON, [join(dir, "gen.py")], { encoding: "utf8" });
  rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`numpy savetxt failed: ${run.stderr}`);
}

let emulator: Emulator;
let reader: GitHubClient;
let repo: string;
let scratch: string;
let initOutput: string;
const savedPath = process.env.PATH;

function mlops(args: string[], cwd: string): Promise<CliRun> {
  return runCliCaptured(args, { cwd, env: process.env });
}

/** `mlops run-workflow FILE --event E --api-url … --json`: the run's result and its log. */
async function runWorkflow(
  workspace: string,
  file: string,
  event: string,
  extra: string[] = [],
): Promise<{ result: WorkflowResult; log: string }> {
  const run = await mlops(
    [
      "run-workflow",
      join(workspace, ".github/workflows", file),
      "--event",
      event,
      "--api-url",
      emulator.url,
      "--repository",
      `${OWNER}/${REPO}`,
      "--json",
      // This machine has scikit-learn from Debian: the workflows' `pip install -r requirements.txt` must not
      // change its packages (a runner installs them; the local run skips it), and the local Python's version
      // is the one the training workflows set up.
      "--skip-setup",
      ...(file === "mlops-monitor.yml" ? [] : ["--with", `python-version=${PYTHON_VERSION}`]),
      ...extra,
    ],
    workspace,
  );
  if (!run.stdout.startsWith("{"))
    throw new Error(`run-workflow printed no result:\n${run.stderr.slice(-4000)}`);
  return {
    result: JSON.parse(run.stdout) as WorkflowResult,
    log: run.stderr.split("\n").slice(-80).join("\n"),
  };
}

/** git in the user's repository, with an identity of its own. */
function git(...args: string[]): string {
  const run = spawnSync("git", args, {
    cwd: repo,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Ada",
      GIT_AUTHOR_EMAIL: "ada@example.com",
      GIT_COMMITTER_NAME: "Ada",
      GIT_COMMITTER_EMAIL: "ada@example.com",
    },
  });
  if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
  return run.stdout.trim();
}

/** `mlops local …` against the emulator, for this repository. */
async function local(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = await mlops(["local", ...args, "--api-url", emulator.url, "--repo", `${OWNER}/${REPO}`], repo);
  if (run.code !== 0) throw new Error(`mlops local ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return run;
}

const job = (result: WorkflowResult, name: string) => result.jobs.find((j) => j.name.endsWith(name));

beforeAll(async () => {
  if (lacking.length > 0) return;
  // The training runs with Debian's python3 (scikit-learn), as setup-python would give it on a runner.
  process.env.PATH = `/usr/bin:${savedPath ?? ""}`;
  emulator = await startEmulator();
  // Only reads, to check what the workflows did; everything the user does goes through the CLI.
  reader = emulatorClient(
    emulator,
    emulator.createToken(
      { contents: "read", issues: "read", pull_requests: "read", checks: "read", deployments: "read" },
      "octocat",
    ),
  );
  scratch = mkdtempSync(join(tmpdir(), "adopt-e2e-"));
  repo = join(scratch, REPO);
  mkdirSync(join(repo, "data"), { recursive: true });
  writeFileSync(join(repo, "train.py"), TRAIN_PY);
  writeFileSync(join(repo, "requirements.txt"), "numpy\nscikit-learn\n");
  savetxt(join(repo, "data/train.txt"), 600, 0);
  writeFileSync(join(repo, ".gitignore"), "metrics.json\nmodel.pkl\nrun.json\nproduction-data/\n");
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "Random forest on the XOR data");
  // The reusable workflows are called as mlops-actions/mlops-actions/…@ref: the runner maps them to this checkout.
  const init = await mlops(["init", "--yes"], repo);
  expect(init.code, init.stderr).toBe(0);
  initOutput = init.stdout;
}, 120_000);

afterAll(async () => {
  process.env.PATH = savedPath;
  await emulator?.close();
  if (scratch && existsSync(scratch)) rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(lacking.length > 0)("adopting a scikit-learn repository that is not an example", () => {
  it("init writes every file its workflows use and says what to edit", () => {
    expect(initOutput).toMatch(/--train-command +python train\.py/);
    expect(initOutput).toMatch(/--reference-data +data\/train\.txt/);
    expect(initOutput).toMatch(/setup-command +pip install -r requirements\.txt/);
    expect(initOutput).toContain("train.py sets no random seed");
    for (const file of ["mlops.yml", "deploy.sh", "scripts/export-production-data.sh"])
      expect(existsSync(join(repo, file)), file).toBe(true);
    expect(initOutput).toMatch(/\d+\. Edit deploy\.sh/);
    expect(initOutput).toContain("Get a baseline: run the PR check on `main` once");
  });

  it("runs the PR check, a release and monitoring, as the next steps say", { timeout: 900_000 }, async () => {
    // The user's edits, as init's next steps ask: gate rules, the deploy command, the production export.
    const config = readFileSync(join(repo, "mlops.yml"), "utf8").replace(
      "rules: []",
      'rules: ["accuracy >= 0.6", "accuracy >= baseline - 0.05"]',
    );
    writeFileSync(join(repo, "mlops.yml"), config);
    writeFileSync(
      join(repo, "deploy.sh"),
      '#!/usr/bin/env bash\nset -euo pipefail\nmkdir -p deployed/"$DEPLOY_ENVIRONMENT"\ncp -R "$MODEL_DIR"/. deployed/"$DEPLOY_ENVIRONMENT"/\necho "deployed $MODEL_NAME v$MODEL_VERSION to $DEPLOY_ENVIRONMENT"\n',
    );
    writeFileSync(
      join(repo, "scripts/export-production-data.sh"),
      `#!/usr/bin/env bash\nset -euo pipefail\nmkdir -p production-data\n${PYTHON} - <<'PY'\nimport numpy as np\nrng = np.random.default_rng(400)\nX = rng.normal(size=(400, 4))\nX[:, 0] += 2.5\ny = ((X[:, 0] - 2.5) * X[:, 1] > 0).astype(float)\nnp.savetxt("production-data/current.txt", np.column_stack([X, y]))\nPY\n`,
    );
    expect((await mlops(["validate"], repo)).code).toBe(0);
    git("add", "-A");
    git("commit", "-q", "-m", "Set up mlops-actions");
    const push = join(scratch, "push.json");
    await local(["push", "--branch", "main", "--payload-out", push]);

    // 1. The PR check on main: the first baseline. Nothing to compare with yet, and the headline says so.
    const baseline = await runWorkflow(repo, "mlops-pr-check.yml", "push", ["--payload", push]);
    expect(baseline.result.conclusion, baseline.log).toBe("success");
    const firstGate = job(baseline.result, "gate");
    expect(firstGate?.summary).toContain(`⚠️ ${MODEL}: gate passed — 1 rule checked, 1 skipped: no baseline`);
    expect(firstGate?.summary).toContain("run the PR check on `main` once");

    // 2. A worse pull request (a single stump instead of a forest) fails against that baseline.
    git("switch", "-q", "-c", "stump");
    writeFileSync(join(repo, "train.py"), TRAIN_PY.replace("n_estimators=60", "n_estimators=1, max_depth=1"));
    git("commit", "-q", "-am", "Smaller model");
    const payload = join(scratch, "pr-event.json");
    await local(["pr", "open", "--head", "stump", "--payload-out", payload]);
    const pr = (JSON.parse(readFileSync(payload, "utf8")) as { pull_request: { number: number } })
      .pull_request;
    const worse = await runWorkflow(repo, "mlops-pr-check.yml", "pull_request", ["--payload", payload]);
    expect(worse.result.conclusion, worse.log).toBe("failure");
    const { data: comments } = await reader.request(
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
      {
        owner: OWNER,
        repo: REPO,
        issue_number: pr.number,
      },
    );
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(new RegExp(`❌ ${MODEL}: gate failed`));
    expect(comments[0]?.body).toContain("accuracy >= baseline - 0.05");

    // 3. The release (the same push to main): train, gate, register v1 with the reference profile, deploy
    // to staging, then to production once its required reviewer approves.
    git("switch", "-q", "main");
    await local(["environment", "production", "--required-reviewer"]);
    const releasing = runWorkflow(repo, "mlops-release.yml", "push", ["--payload", push]);
    const approval = await local(["approve", "--env", "production", "--wait", "600"]);
    const release = await releasing;
    expect(approval.stdout).toMatch(/^approved run \d+'s deployment to production as local-maintainer/m);
    expect(
      release.result.jobs.filter((j) => j.conclusion !== "success").map((j) => j.name),
      release.log,
    ).toEqual([]);
    const { data: v1 } = await reader.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner: OWNER,
      repo: REPO,
      tag: `${MODEL}/v1`,
    });
    expect(v1.assets.map((a) => a.name)).toEqual(
      expect.arrayContaining(["model.pkl", "model.json", "reference-profile.json"]),
    );
    const { data: production } = await reader.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo: REPO,
      ref: `mlops/${MODEL}/@production`,
    });
    expect(production.object.sha).toBeTruthy();
    const { data: deployments } = await reader.request("GET /repos/{owner}/{repo}/deployments", {
      owner: OWNER,
      repo: REPO,
    });
    expect(deployments.map((d) => d.environment).sort()).toEqual(["production", "staging"]);
    for (const deployment of deployments) {
      const { data: statuses } = await reader.request(
        "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        { owner: OWNER, repo: REPO, deployment_id: Number(deployment.id) },
      );
      expect(statuses.map((s) => s.state)).toContain("success");
    }

    // 4. Monitoring (the daily schedule): the export script's production data against the reference
    // profile of the version in production (`reference: registry`), one monitoring issue.
    const monitoring = await runWorkflow(repo, "mlops-monitor.yml", "schedule");
    expect(monitoring.result.conclusion, monitoring.log).toBe("success");
    const monitor = job(monitoring.result, "monitor");
    // Header-less whitespace data read as init declared it: five columns compared, the shifted one drifted.
    expect(monitor?.summary).toMatch(/\d of 5 columns drifted/);
    expect(monitor?.summary).toMatch(/Drifted: `column_1`/);
    expect(monitor?.summary).toMatch(/\| column_1 +\| numerical \| ks \|.*\| yes +\|/);
    const { data: issues } = await reader.request("GET /repos/{owner}/{repo}/issues", {
      owner: OWNER,
      repo: REPO,
      labels: "mlops-monitoring",
    });
    expect(issues).toHaveLength(1);
  });
});
