/**
 * Fault rules reach the Actions artifact runtime (`/twirp/…`, `/_blob/…`) as they reach the REST routes
 * (issue 12, "Faults across the whole life"), answered the way the results service (twirp) and Azure Blob
 * storage answer a transient fault; exempt identities and emulator-only routes are never hit.
 */
import { describe, expect, it } from "vitest";
import { call, useEmulator } from "./helpers.js";
import { registerJob, registerRun } from "./support/actions-jobs.js";

const emulator = useEmulator();
const TWIRP = "/twirp/github.actions.results.api.v1.ArtifactService/";

async function job(repo: string) {
  const base = emulator().url;
  const run = await registerRun(base, repo);
  const registered = await registerJob(base, repo, run.id, "one");
  const payload = JSON.parse(
    Buffer.from(registered.runtime_token.split(".")[1] ?? "", "base64url").toString("utf8"),
  ) as { scp: string };
  const [, runBackendId, jobBackendId] =
    payload.scp
      .split(" ")
      .find((s) => s.startsWith("Actions.Results:"))
      ?.split(":") ?? [];
  const twirp = (method: string, body: Record<string, unknown>) =>
    fetch(`${base}${TWIRP}${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${registered.runtime_token}` },
      body: JSON.stringify({ workflow_run_backend_id: runBackendId, ...body }),
    });
  const create = (name: string) =>
    twirp("CreateArtifact", { workflow_job_run_backend_id: jobBackendId, name, version: 4 });
  return { twirp, create };
}

describe("faults on the artifact runtime", () => {
  it("answers twirp calls with twirp errors (503 unavailable, 500 internal, 429 resource_exhausted) and a gateway's 502", async () => {
    const { create } = await job("acme/twirp-faults");
    const cases = [
      { rule: { kind: "5xx" as const, status: 503 }, status: 503, code: "unavailable" },
      { rule: { kind: "5xx" as const, status: 500 }, status: 500, code: "internal" },
      { rule: { kind: "429" as const }, status: 429, code: "resource_exhausted" },
      { rule: { kind: "secondary-rate-limit" as const }, status: 429, code: "resource_exhausted" },
    ];
    for (const { rule, status, code } of cases) {
      emulator().setFaults([{ route: `POST ${TWIRP}CreateArtifact`, nth: [1], ...rule }]);
      const response = await create(`a-${code}-${status}`);
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ code });
      expect(emulator().requestLog.at(-1)).toMatchObject({ fault: rule.kind, status });
    }
    emulator().setFaults([{ route: `POST ${TWIRP}CreateArtifact`, nth: [1], kind: "5xx" }]);
    const gateway = await create("gateway");
    expect(gateway.status).toBe(502);
    expect(gateway.headers.get("content-type")).toBe("text/html");
    emulator().setFaults([]);
  });

  it("answers blob requests as Azure storage does: 503 ServerBusy (also for rate limits), 500 InternalError", async () => {
    const { create } = await job("acme/blob-faults");
    const { signed_upload_url: url } = (await (await create("blob")).json()) as { signed_upload_url: string };
    emulator().setFaults([
      { route: "/_blob/devstoreaccount1/artifacts/{blob+}", nth: [1], kind: "429" },
      // nth counts the requests that reach a rule: the first one stopped at the rule above
      { route: "/_blob/devstoreaccount1/artifacts/{blob+}", nth: [1], kind: "5xx", status: 500 },
    ]);
    const put = () =>
      fetch(url, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, body: "bytes" });
    const busy = await put();
    expect(busy.status).toBe(503);
    expect(busy.headers.get("x-ms-error-code")).toBe("ServerBusy");
    expect(await busy.text()).toContain("<Code>ServerBusy</Code>");
    const internal = await put();
    expect(internal.status).toBe(500);
    expect(internal.headers.get("x-ms-error-code")).toBe("InternalError");
    expect((await put()).status).toBe(201);
    emulator().setFaults([]);
  });

  it("a reset mid-body acts first: the client sees the connection drop, the artifact exists", async () => {
    const { create, twirp } = await job("acme/reset-faults");
    emulator().setFaults([{ route: `POST ${TWIRP}CreateArtifact`, nth: [1], kind: "reset-mid-body" }]);
    await expect(create("once").then((r) => r.text())).rejects.toThrow();
    emulator().setFaults([]);
    expect(emulator().requestLog.at(-1)).toMatchObject({ fault: "reset-mid-body", status: 200 });
    // The artifact was created: finalizing it fails for its missing blob (412), not for its absence (404).
    const finalize = await twirp("FinalizeArtifact", { name: "once", size: "5" });
    expect(finalize.status).toBe(412);
    expect(await finalize.json()).toMatchObject({ code: "failed_precondition" });
  });

  it("never hits exempt identities, nor emulator-only routes unless a rule names them", async () => {
    const maintainer = emulator().createToken({ contents: "write" }, "maintainer");
    emulator().setFaults([{ kind: "5xx", exceptLogins: ["maintainer"] }]);
    const own = await fetch(`${emulator().url}/repos/acme/exempt`, {
      headers: { authorization: `Bearer ${maintainer}` },
    });
    expect(own.status).toBe(200);
    expect((await call(emulator(), "GET", "/repos/acme/exempt")).status).toBe(502);
    expect((await call(emulator(), "GET", "/_emulator/requests")).status).toBe(200);
    emulator().setFaults([]);
  });

  it("a transient 429 says when to retry in x-ratelimit-reset, not an hour away", async () => {
    emulator().setFaults([{ route: "GET /repos/{owner}/{repo}", nth: [1], kind: "429" }]);
    const limited = await call(emulator(), "GET", "/repos/acme/limited");
    emulator().setFaults([]);
    expect(limited.status).toBe(429);
    const reset = Number(limited.headers.get("x-ratelimit-reset"));
    expect(reset - Date.now() / 1000).toBeLessThan(5);
  });
});
