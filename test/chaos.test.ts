/**
 * The whole life under transient faults (issue 12, "Faults across the whole life"): the demo's life
 * (PR check → worse PR + re-run → merge → release → staging → approved production → monitoring ×2)
 * through the runner and the bundled actions, with 20 % of the workflows' requests — REST and the
 * artifact runtime (`/twirp`, `/_blob`) — answered with seeded 5xx, 429, secondary rate limits and
 * resets mid-body. Every life must succeed and leave no duplicate. Needs the action bundles (`pnpm build`).
 * More seeds and rates: `pnpm exec tsx bench/chaos.ts` (figures in bench/RESULTS.md).
 */

import { checkInvariants, createRestClient, describeLife, exampleSpec, runChaosLife } from "@mlops/demo";
import { type Emulator, startEmulator } from "@mlops/github-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("the invariant checks", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  it("name every duplicate a retried write can leave, and an alias elsewhere than the run says", async () => {
    const example = exampleSpec("node");
    const rest = createRestClient(
      emulator.url,
      emulator.createToken(
        { contents: "write", checks: "write", actions: "write", issues: "read", pull_requests: "read" },
        "observer",
      ),
      example.repository,
    );
    const main = await rest.get<{ object: { sha: string } }>(rest.repo("/git/ref/heads/main"));
    const sha = main.object.sha;
    await rest.send("POST", `/_emulator/repos/${example.repository}/actions/runs`, {
      workflow_path: example.workflows.release,
      event: "push",
      head_branch: "main",
      head_sha: sha,
    });
    for (let i = 0; i < 2; i++) {
      await rest.send("POST", rest.repo("/check-runs"), {
        name: "mlops gate",
        head_sha: sha,
        status: "completed",
        conclusion: "success",
      });
      await rest.send("POST", rest.repo("/dispatches"), {
        event_type: "mlops.model.deployed",
        client_payload: { v: 1 },
      });
    }
    const tags: string[] = [];
    for (const version of [1, 2]) {
      const tag = await rest.send<{ sha: string }>("POST", rest.repo("/git/tags"), {
        tag: `${example.model}/v${version}`,
        message: `v${version}\n\nmlops-idempotency-key: demo-org/node-classifier/7/node-classifier\n`,
        object: sha,
        type: "commit",
      });
      await rest.send("POST", rest.repo("/git/refs"), {
        ref: `refs/tags/${example.model}/v${version}`,
        sha: tag.sha,
      });
      tags.push(tag.sha);
    }
    await rest.send("POST", rest.repo("/git/refs"), {
      ref: `refs/mlops/${example.model}/@staging`,
      sha: tags[0],
    });
    const job = (id: string, outputs: Record<string, string>, environment?: string) => ({
      id,
      name: id,
      conclusion: "success" as const,
      outputs: id.endsWith("register") ? outputs : {},
      summary: "",
      steps: [{ name: "s", conclusion: "success" as const, outcome: "success" as const, outputs }],
      annotations: [],
      ...(environment ? { environment } : {}),
    });
    const violations = await checkInvariants({
      rest,
      example,
      runs: [
        {
          stage: "release",
          workflow: example.workflows.release,
          event: "push",
          result: {
            conclusion: "success",
            jobs: [
              job("release/register", { version: "2" }),
              job("release/deploy-staging", { "deployment-id": "1", version: "2" }, "staging"),
            ],
          },
        },
      ],
    });
    expect(violations).toEqual([
      `2 check runs "mlops gate" on ${sha.slice(0, 7)}`,
      "versions v1, v2 for one registration demo-org/node-classifier/7/node-classifier",
      '2 repository_dispatch events mlops.model.deployed {"v":1}',
      "@latest points at nothing, but job release/register reports v2",
      `@staging points at ${tags[0]?.slice(0, 7)}, but job release/deploy-staging reports v2`,
    ]);
  });
});

describe("the whole life at 20 % transient faults", () => {
  // Two seeds keep the test near ten minutes on two shared cores; bench/chaos.ts plays more.
  for (const seed of [1, 2]) {
    it(`seed ${seed}: succeeds, faults on REST and the artifact runtime absorbed, no duplicate`, async () => {
      const life = await runChaosLife({ seed, rate: 0.2 });
      const line = describeLife(life);
      expect(life.runtimeFaults, line).toBeGreaterThan(0);
      expect(life.faults - life.runtimeFaults, line).toBeGreaterThan(0);
      expect(life.failures, line).toEqual([]);
      expect(life.violations, line).toEqual([]);
      expect(life.ok, line).toBe(true);
    }, 900_000);
  }
});
