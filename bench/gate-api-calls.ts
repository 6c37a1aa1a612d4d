/**
 * API calls per evaluate-gate run, counted from the emulator's request log. The action runs in-process
 * (the same `main` the bundle runs) against the emulator, with a folder artifact store.
 *
 *   pnpm exec tsx bench/gate-api-calls.ts
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryRuntime, runAction } from "@mlops/action-kit";
import { createDirectoryArtifactStore } from "@mlops/action-kit/testing";
import { registerModel } from "@mlops/github";
import { emulatorClient, emulatorClientFactory, OWNER, openPullRequest } from "@mlops/github/testing";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { main } from "../actions/evaluate-gate/src/main.js";

const CONFIG = `version: 1
models:
  - name: churn
    metrics: [metrics.json]
    gate:
      rules:
        - "accuracy >= 0.80"
        - "f1 >= baseline - 0.01"
`;

async function gate(
  emulator: Emulator,
  token: string,
  pr: { repo: string; number: number; headSha: string },
  work: string,
  baseline: string,
): Promise<{ calls: string[]; failure: string | undefined }> {
  const eventPath = join(work, "event.json");
  const full = `${OWNER}/${pr.repo}`;
  await writeFile(
    eventPath,
    JSON.stringify({
      pull_request: {
        number: pr.number,
        head: { sha: pr.headSha, ref: "feature", repo: { full_name: full } },
        base: { ref: "main", repo: { full_name: full } },
      },
    }),
  );
  emulator.clearLog();
  const runtime = createMemoryRuntime();
  await runAction(
    (rt) =>
      main(rt, {
        cwd: work,
        env: {
          GITHUB_REPOSITORY: full,
          GITHUB_EVENT_NAME: "pull_request",
          GITHUB_EVENT_PATH: eventPath,
          GITHUB_RUN_ID: "77",
          GITHUB_WORKFLOW_REF: `${full}/.github/workflows/pr.yml@refs/pull/${pr.number}/merge`,
          GITHUB_API_URL: emulator.url,
          RUNNER_TEMP: work,
          INPUT_METRICS: "metrics.json",
          INPUT_BASELINE: baseline,
          "INPUT_GITHUB-TOKEN": token,
        },
        artifacts: createDirectoryArtifactStore(join(work, ".artifacts"), { runId: 77 }),
        createClient: emulatorClientFactory(),
      }),
    runtime,
  );
  return { calls: emulator.requestLog.map((r) => `${r.method} ${r.route}`), failure: runtime.failure };
}

const emulator = await startEmulator();
const admin = emulatorClient(
  emulator,
  emulator.createToken({ contents: "write", issues: "write", pull_requests: "write" }, "octocat"),
);
const token = emulator.createToken({
  contents: "read",
  actions: "read",
  checks: "write",
  statuses: "write",
  pull_requests: "write",
});
const work = await mkdtemp(join(tmpdir(), "bench-gate-"));
const rows: Array<[string, string[]]> = [];
try {
  await writeFile(join(work, "mlops.yml"), CONFIG);
  await writeFile(join(work, "base.json"), JSON.stringify({ accuracy: 0.88, f1: 0.84 }));
  await writeFile(join(work, "metrics.json"), JSON.stringify({ accuracy: 0.9, f1: 0.85 }));
  const pr = await openPullRequest(admin, "bench-gate");
  const run = async (label: string, baseline: string, target = pr) => {
    const result = await gate(emulator, token, target, work, baseline);
    if (result.failure) throw new Error(`${label}: ${result.failure}`);
    rows.push([label, result.calls]);
  };
  await run("first run (baseline file)", "base.json");
  await run("unchanged re-run", "base.json");
  await writeFile(join(work, "metrics.json"), JSON.stringify({ accuracy: 0.91, f1: 0.86 }));
  await run("update (metrics changed)", "base.json");
  for (let i = 0; i < 150; i++)
    await admin.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: OWNER,
      repo: pr.repo,
      issue_number: pr.number,
      body: `unrelated ${i}`,
    });
  await writeFile(join(work, "metrics.json"), JSON.stringify({ accuracy: 0.92, f1: 0.87 }));
  await run("update with 150 other comments", "base.json");
  const fresh = await openPullRequest(admin, "bench-gate-auto");
  await run("`auto`, nothing to compare with (first run)", "auto", fresh);
  const { data: mainRef } = await admin.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    owner: OWNER,
    repo: fresh.repo,
    ref: "heads/main",
  });
  await writeFile(join(work, "model.bin"), "weights");
  await registerModel(admin, {
    owner: OWNER,
    repo: fresh.repo,
    model: "churn",
    commitSha: mainRef.object.sha,
    files: [{ path: join(work, "model.bin") }],
    metrics: { accuracy: 0.9, f1: 0.86 },
    idempotencyKey: "bench/1/churn",
    aliases: ["production"],
  });
  await run("`auto` finding `@production` (comment update)", "auto", fresh);
} finally {
  await emulator.close();
  await rm(work, { recursive: true, force: true });
}

const count = (calls: string[], method?: string) =>
  calls.filter((c) => !method || c.startsWith(`${method} `)).length;
console.log("| gate run | API calls | GET | POST | PATCH | DELETE |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const [label, calls] of rows)
  console.log(
    `| ${label} | ${count(calls)} | ${count(calls, "GET")} | ${count(calls, "POST")} | ${count(calls, "PATCH")} | ${count(calls, "DELETE")} |`,
  );
console.log("");
for (const [label, calls] of rows) console.log(`${label}:\n  ${calls.join("\n  ")}`);
