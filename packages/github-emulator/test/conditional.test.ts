/**
 * Conditional requests (src/http/conditional.ts): ETag on every JSON 200 of a GET, specific to the token;
 * Last-Modified on a single object with `updated_at`; 304 to a matching If-None-Match / If-Modified-Since,
 * not counted against the primary rate limit when the request was authorized.
 */
import { describe, expect, it } from "vitest";
import { call, useEmulator } from "./helpers.js";

const emulator = useEmulator();

describe("conditional requests", () => {
  it("answers 304 to the ETag of a list, without charging the rate limit, and 200 once it changed", async () => {
    await call(emulator(), "POST", "/repos/acme/cond/issues", { title: "one" });
    const first = await call(emulator(), "GET", "/repos/acme/cond/issues?per_page=100");
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag") as string;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(first.headers.get("vary")).toBe("Accept, Authorization, Cookie, X-GitHub-OTP");
    expect(first.headers.get("last-modified")).toBeNull(); // lists carry none (recordings)

    const used = emulator().rateLimit().used;
    const again = await call(emulator(), "GET", "/repos/acme/cond/issues?per_page=100", undefined, {
      "if-none-match": etag,
    });
    expect(again.status).toBe(304);
    expect(again.json).toBeUndefined();
    expect(again.headers.get("etag")).toBe(etag);
    expect(emulator().rateLimit().used).toBe(used);
    expect(again.headers.get("x-ratelimit-used")).toBe(String(used));
    // weak comparison, lists of tags and `*` (RFC 9110 §13.1.2)
    for (const header of [`W/${etag}`, `"nope", ${etag}`, "*"])
      expect(
        (
          await call(emulator(), "GET", "/repos/acme/cond/issues?per_page=100", undefined, {
            "if-none-match": header,
          })
        ).status,
      ).toBe(304);
    expect(emulator().rateLimit().used).toBe(used);

    await call(emulator(), "POST", "/repos/acme/cond/issues", { title: "two" });
    const changed = await call(emulator(), "GET", "/repos/acme/cond/issues?per_page=100", undefined, {
      "if-none-match": etag,
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect(emulator().rateLimit().used).toBe(used + 2); // the write and the 200
  });

  it("ETags are specific to the token: another token's If-None-Match gets the whole answer", async () => {
    const a = { authorization: `token ${emulator().createToken({ issues: "read" })}` };
    const b = { authorization: `token ${emulator().createToken({ issues: "read" })}` };
    const first = await call(emulator(), "GET", "/repos/acme/cond/issues", undefined, a);
    const etag = first.headers.get("etag") as string;
    const same = await call(emulator(), "GET", "/repos/acme/cond/issues", undefined, {
      ...a,
      "if-none-match": etag,
    });
    expect(same.status).toBe(304);
    const other = await call(emulator(), "GET", "/repos/acme/cond/issues", undefined, {
      ...b,
      "if-none-match": etag,
    });
    expect(other.status).toBe(200);
    expect(other.json).toEqual(first.json);
    expect(other.headers.get("etag")).not.toBe(etag);
  });

  it("Last-Modified on a single updated object; If-Modified-Since works across tokens", async () => {
    const first = await call(emulator(), "GET", "/repos/acme/cond/issues/1");
    const lastModified = first.headers.get("last-modified") as string;
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    expect(Date.parse(lastModified)).toBe(Date.parse((first.json as { updated_at: string }).updated_at));
    const other = { authorization: `token ${emulator().createToken({ issues: "read" })}` };
    const used = emulator().rateLimit().used;
    const since = await call(emulator(), "GET", "/repos/acme/cond/issues/1", undefined, {
      ...other,
      "if-modified-since": lastModified,
    });
    expect(since.status).toBe(304);
    expect(emulator().rateLimit().used).toBe(used);
    const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
    const before = await call(emulator(), "GET", "/repos/acme/cond/issues/1", undefined, {
      ...other,
      "if-modified-since": older,
    });
    expect(before.status).toBe(200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3)
    const both = await call(emulator(), "GET", "/repos/acme/cond/issues/1", undefined, {
      "if-none-match": '"other"',
      "if-modified-since": lastModified,
    });
    expect(both.status).toBe(200);
  });

  it("a 304 to a request without an Authorization header counts against the rate limit", async () => {
    const anonymous = async (headers: Record<string, string>) =>
      fetch(`${emulator().url}/repos/acme/cond/issues`, { headers });
    const first = await anonymous({});
    const etag = first.headers.get("etag") as string;
    await first.text();
    const used = emulator().rateLimit().used;
    const again = await anonymous({ "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(emulator().rateLimit().used).toBe(used + 1);
  });
});
