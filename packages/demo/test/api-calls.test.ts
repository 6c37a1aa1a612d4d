import type { RequestLogEntry } from "@mlops/github-emulator";
import { describe, expect, it } from "vitest";
import { countApiCalls, DEMO_LOGIN } from "../src/api-calls.js";

const entry = (method: string, path: string, login?: string): RequestLogEntry => ({
  method,
  route: path,
  path,
  status: 200,
  durationMs: 1,
  login,
});

describe("countApiCalls", () => {
  it("splits workflow REST, artifact runtime, runner bookkeeping and the demo's own requests", () => {
    const log = [
      entry("POST", "/_emulator/repos/o/r/actions/runs", "github-actions[bot]"),
      entry("POST", "/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact"),
      entry("PUT", "/_blob/devstoreaccount1/artifacts/a.zip?comp=block"),
      entry("GET", "/repos/o/r/issues?state=all&per_page=100", "github-actions[bot]"),
      // the demo's request, recorded without an identity (e.g. after an emulator error)
      entry("GET", "/repos/o/r/issues?state=all&per_page=100"),
      entry("POST", "/_emulator/repos/o/r/commits", DEMO_LOGIN),
    ];
    const calls = countApiCalls(log, ["GET /repos/o/r/issues?state=all&per_page=100"]);
    expect(calls).toEqual({ workflowRest: 1, artifactRuntime: 2, runner: 1, demo: 2, total: 6 });
  });
});
