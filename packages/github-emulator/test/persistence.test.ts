import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../src/index.js";
import { call } from "./helpers.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("stateDir persistence", () => {
  it("a restarted emulator serves the same refs, releases, asset bytes and minted tokens", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "emu-state-"));
    dirs.push(stateDir);
    const first = await startEmulator({ stateDir });
    const token = first.createToken({ contents: "read" }, "reader");
    const release = (
      await call(first, "POST", "/repos/acme/persist/releases", { tag_name: "m/v1", draft: true })
    ).json as { id: number; upload_url: string };
    const bytes = Buffer.from("persisted model bytes");
    const upload = await fetch(release.upload_url.replace("{?name,label}", "?name=model.bin"), {
      method: "POST",
      headers: { authorization: "token t", "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(upload.status).toBe(201);
    await call(first, "PATCH", `/repos/acme/persist/releases/${release.id}`, { draft: false });
    await first.close();
    expect(
      JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")).repos["acme/persist"].releases,
    ).toHaveLength(1);

    const second = await startEmulator({ stateDir });
    try {
      const byTag = await call(second, "GET", "/repos/acme/persist/releases/tags/m%2Fv1");
      expect(byTag.status).toBe(200);
      const asset = (byTag.json as { assets: { id: number }[] }).assets[0];
      const download = await fetch(`${second.url}/repos/acme/persist/releases/assets/${asset?.id}`, {
        headers: { accept: "application/octet-stream" },
      });
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
      expect((await call(second, "GET", "/repos/acme/persist/git/ref/tags/m/v1")).status).toBe(200);
      const denied = await call(
        second,
        "POST",
        "/repos/acme/persist/git/refs",
        { ref: "refs/tags/x/y", sha: "0" },
        { authorization: `token ${token}` },
      );
      expect(denied.status).toBe(403);
    } finally {
      await second.close();
    }
  });
});
