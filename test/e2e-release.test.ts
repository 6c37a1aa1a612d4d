/**
 * End to end: the Node example's release workflow (`mlops-release.yml`, calling the reusable
 * `reusable-release.yml`) through the local runner against the emulator: train → gate → register v1 →
 * deploy staging → deploy production, checked over REST. Versions are signed (the `MLOPS_SIGNING_KEY`
 * secret, `registry.signing` in mlops.yml) and each deploy verifies before it deploys (issue 17).
 * Needs the bundled actions (`pnpm build`).
 */
import { generateKeyPairSync } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitHubClient } from "@mlops/github";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorClient, exampleCopies, MODEL, OWNER, REPO, runRelease } from "./support/node-example.js";

let emulator: Emulator;
let client: GitHubClient;
let workspace: string;
const copies = exampleCopies();
let toolchain: string;
const signing = generateKeyPairSync("ec", { namedCurve: "prime256v1" });

beforeAll(async () => {
  emulator = await startEmulator();
  client = emulatorClient(emulator, { contents: "read", deployments: "read" });
  workspace = copies.create("release").dir;
  writeFileSync(
    join(workspace, ".github", "mlops-signing.pub"),
    signing.publicKey.export({ type: "spki", format: "pem" }),
  );
  appendFileSync(
    join(workspace, "mlops.yml"),
    "registry:\n  signing:\n    required: true\n    public_key: .github/mlops-signing.pub\n    workflow: .github/workflows/mlops-release.yml\n",
  );
  toolchain = mkdtempSync(join(tmpdir(), "e2e-toolchain-"));
});
afterAll(async () => {
  await emulator.close();
  copies.dispose();
  if (toolchain && existsSync(toolchain)) rmSync(toolchain, { recursive: true, force: true });
});

async function aliasTarget(alias: string): Promise<string> {
  const { data } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
    owner: OWNER,
    repo: REPO,
    ref: `mlops/${MODEL}/@${alias}`, // aliases live outside refs/tags (never clobbered by git fetch --tags)
  });
  return data.object.sha;
}

describe("release workflow (examples/node-classifier)", () => {
  it("registers v1 and deploys it to staging, then production", { timeout: 600_000 }, async () => {
    const lines: string[] = [];
    const result = await runRelease(emulator, {
      workspace,
      toolchain,
      log: (line) => lines.push(line),
      secrets: { MLOPS_SIGNING_KEY: signing.privateKey.export({ type: "pkcs8", format: "pem" }).toString() },
    });
    const failed = result.jobs.filter((j) => j.conclusion !== "success").map((j) => j.name);
    expect(failed, lines.slice(-60).join("\n")).toEqual([]);
    expect(result.conclusion).toBe("success");

    const register = result.jobs.find((j) => j.name.includes("register"));
    expect(register?.outputs.version).toBe("1");
    expect(register?.summary).toContain(`## ${MODEL} v1`);

    const { data: release } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner: OWNER,
      repo: REPO,
      tag: `${MODEL}/v1`,
    });
    expect(release.draft).toBe(false);
    expect(release.assets.map((a) => a.name)).toEqual(
      expect.arrayContaining([
        "classifier.json",
        "model.json",
        "SHA256SUMS",
        "model.intoto.jsonl",
        "model.sig",
      ]),
    );
    // Signed before publishing, verified by both deploys before they created their deployments.
    expect(lines.filter((line) => /signed \d+ files of v1 \(key sha256:/.test(line))).toHaveLength(1);
    expect(
      lines.filter((line) =>
        /node-classifier\/v1: signature verified \(key sha256:[0-9a-f]{12}… at refs\/heads\/main/.test(line),
      ),
    ).toHaveLength(2);
    const { data: v1 } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
      owner: OWNER,
      repo: REPO,
      ref: `tags/${MODEL}/v1`,
    });
    expect(await aliasTarget("staging")).toBe(v1.object.sha);
    expect(await aliasTarget("production")).toBe(v1.object.sha);

    const { data: deployments } = await client.request("GET /repos/{owner}/{repo}/deployments", {
      owner: OWNER,
      repo: REPO,
    });
    // Exactly one deployment per environment per deploy: the deploy step's (ref = version tag, model
    // payload). The jobs reference their environments with `deployment: false`, so the runner (like
    // GitHub) creates no second, job-level deployment (task `deploy`, ref `main`).
    expect(deployments.map((d) => d.environment).sort()).toEqual(["production", "staging"]);
    for (const deployment of deployments)
      expect(deployment).toMatchObject({ task: `deploy:${MODEL}`, ref: `${MODEL}/v1` });
    expect(lines.filter((line) => line.includes("deployment: false")).length).toBe(2);
    for (const deployment of deployments) {
      const { data: statuses } = await client.request(
        "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        { owner: OWNER, repo: REPO, deployment_id: Number(deployment.id) },
      );
      expect(statuses.map((s) => s.state)).toContain("success");
    }
  });
});
