/**
 * The verdict names drifted columns whenever there are any: 4 of 20 columns drifting at p ≈ 1e-16 below
 * the dataset drift threshold must not read "no drift" — in the Markdown/HTML headline, the issue title,
 * body and comment.
 */
import { describe, expect, it } from "vitest";
import { compareProfiles } from "../src/compare.js";
import { composeIssue } from "../src/issue-report.js";
import { ProfileBuilder } from "../src/profile.js";
import { driftHeadline, driftLevel, renderHtml, renderMarkdown } from "../src/render.js";

function profile(shifted: number, shift: number) {
  const names = Array.from({ length: 20 }, (_, c) => `f${c}`);
  const columns = names.map((_, c) =>
    Array.from({ length: 400 }, (_, i) => ((i * 37) % 100) / 10 + (c < shifted ? shift : 0)),
  );
  const b = new ProfileBuilder();
  b.add(names, columns);
  return b.finish();
}

const now = new Date("2026-12-07T06:00:00Z");
const reference = profile(0, 0);
const fourDrift = compareProfiles(reference, profile(4, 3), { test: "ks", now });
const datasetDrift = compareProfiles(reference, profile(12, 3), { test: "ks", now });
const noDrift = compareProfiles(reference, profile(0, 0), { test: "ks", now });

describe("drift headline", () => {
  it("4 of 20 columns drift at p < 1e-15, yet under the 50% dataset threshold", () => {
    const drifted = fourDrift.columns.filter((c) => c.drifted);
    expect(drifted.map((c) => c.name)).toEqual(["f0", "f1", "f2", "f3"]);
    for (const c of drifted) expect(c.p_value).toBeLessThan(1e-15);
    expect(fourDrift.dataset_drift).toBe(false); // dataset drift semantics are kept
    expect(driftLevel(fourDrift)).toBe("columns");
    expect(driftHeadline(fourDrift)).toBe(
      "4 of 20 columns drifted (dataset drift threshold 50% not reached)",
    );
    expect(driftHeadline(datasetDrift)).toBe(
      "Dataset drift detected: 12 of 20 columns drifted (threshold 50% reached)",
    );
    expect(driftHeadline(noDrift)).toBe("No drift: 0 of 20 columns drifted");
  });

  it("Markdown and HTML lead with the drifted columns, never a green 'no drift'", () => {
    const md = renderMarkdown(fourDrift);
    expect(md.split("\n")[0]).toBe("## ⚠️ 4 of 20 columns drifted (dataset drift threshold 50% not reached)");
    expect(md).not.toContain("✅");
    expect(md).not.toMatch(/no (dataset )?drift/i);
    expect(md.split("\n")[2]).toMatch(
      /^Drifted: `f0` \(ks, p = \d\.\d\de-\d+\), `f1` .*`f3` \(ks, p = .*\)\.$/,
    );
    expect(renderHtml(fourDrift)).toContain(
      "<h1>4 of 20 columns drifted (dataset drift threshold 50% not reached)</h1>",
    );
    expect(renderMarkdown(noDrift).split("\n")[0]).toBe("## ✅ No drift: 0 of 20 columns drifted");
    expect(renderMarkdown(datasetDrift).split("\n")[0]).toBe(
      "## ⚠️ Dataset drift detected: 12 of 20 columns drifted (threshold 50% reached)",
    );
  });

  it("the monitoring issue's title, body and run comment say so too", () => {
    const first = composeIssue("churn", fourDrift, undefined);
    expect(first.title).toBe("Monitoring: churn — 4 of 20 columns drifted");
    expect(first.comment).toContain(
      "First monitoring run: ⚠️ **4 of 20 columns drifted (dataset drift threshold 50% not reached)**.",
    );
    expect(first.body).toContain("## ⚠️ 4 of 20 columns drifted");
    // a later run: dataset drift clears but four columns still drift
    const worse = composeIssue("churn", datasetDrift, undefined);
    expect(worse.title).toBe("Monitoring: churn — dataset drift detected");
    const next = composeIssue(
      "churn",
      { ...fourDrift, generated_at: "2026-12-08T06:00:00Z" },
      `${worse.body}\n${worse.trailer}`,
    );
    expect(next.comment).toContain(
      "✅ **Dataset drift cleared**, but ⚠️ 4 of 20 columns drifted (dataset drift threshold 50% not reached).",
    );
    expect(next.comment).toContain("- Still drifting: `f0`, `f1`, `f2`, `f3`");
    expect(composeIssue("churn", noDrift, undefined).title).toBe("Monitoring: churn");
  });
});
