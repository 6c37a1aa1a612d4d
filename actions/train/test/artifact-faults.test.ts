/**
 * The artifact store under transient faults of the Actions runtime (issue 12, "Faults across the whole
 * life"), through the UNMODIFIED `@actions/artifact` client against the emulator: a finalize whose answer
 * is lost (reset after the service acted) or a blob download cut mid-body must not fail the upload or
 * the download; an operation that cannot finish fails naming the operation and its attempts.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createActionsArtifactStore } from "@mlops/action-kit";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TWIRP = "/twirp/github.actions.results.api.v1.ArtifactService/";
let emulator: Emulator;
let work: string;
const warnings: string[] = [];
// The test runner keeps the process busy, so the attempt timeout (not `beforeExit`) ends a hung attempt here.
const store = () =>
  createActionsArtifactStore({ backoffMs: 10, attemptTimeoutMs: 3000, warn: (m) => warnings.push(m) });

beforeAll(async () => {
  emulator = await startEmulator();
  work = await mkdtemp(join(tmpdir(), "mlops-artifact-faults-"));
  // `@actions/artifact` reads these from process.env (GITHUB_API_URL when it is first imported).
  process.env.GITHUB_API_URL = emulator.url;
  process.env.GITHUB_SERVER_URL = "https://github.localhost";
  process.env.ACTIONS_RESULTS_URL = emulator.url;
  process.env.NO_PROXY = "127.0.0.1,localhost";
  const post = async (path: string, body: unknown) =>
    (await (
      await fetch(`${emulator.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      })
    ).json()) as Record<string, unknown>;
  const run = await post("/_emulator/repos/acme/faulty-artifacts/actions/runs", {
    workflow_path: ".github/workflows/ci.yml",
    event: "push",
    head_branch: "main",
    head_sha: "0000000000000000000000000000000000000001",
  });
  const job = await post(`/_emulator/repos/acme/faulty-artifacts/actions/runs/${run.id}/jobs`, {
    name: "train",
    permissions: { actions: "read" },
  });
  process.env.ACTIONS_RUNTIME_TOKEN = String(job.runtime_token);
});
afterAll(async () => {
  await emulator.close();
  await rm(work, { recursive: true, force: true });
});

describe("the artifact store under runtime faults", () => {
  it("an upload whose finalize answer was lost is uploaded again, not failed", async () => {
    await writeFile(join(work, "run.json"), '{"accuracy": 0.9}\n');
    emulator.setFaults([{ route: `POST ${TWIRP}FinalizeArtifact`, nth: [1], kind: "reset-mid-body" }]);
    try {
      const uploaded = await store().upload("mlops-churn", [join(work, "run.json")], work);
      expect(uploaded.size).toBeGreaterThan(0);
    } finally {
      emulator.setFaults([]);
    }
    expect(warnings.join("\n")).toMatch(/Attempt 1 of 4 to upload the artifact 'mlops-churn' failed/);
    const listed = await store().list?.();
    expect(listed?.map((a) => a.name)).toEqual(["mlops-churn"]);
  });

  it("a download whose every attempt fails names the artifact and the attempts", async () => {
    emulator.setFaults([{ route: `POST ${TWIRP}ListArtifacts`, kind: "5xx", status: 400 }]);
    try {
      await expect(store().download("mlops-churn", join(work, "out"))).rejects.toThrow(
        /^Cannot download the artifact 'mlops-churn' after 4 attempts: /,
      );
    } finally {
      emulator.setFaults([]);
    }
    const { path } = await store().download("mlops-churn", join(work, "out"));
    expect(await readFile(join(path, "run.json"), "utf8")).toContain("0.9");
  });
});
