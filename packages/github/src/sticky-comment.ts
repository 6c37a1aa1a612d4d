import { InputError } from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { httpStatus, withGitHubErrors } from "./errors.js";
import { isAuthoredBy, resolveIdentity } from "./identity.js";
import { listAllPages } from "./paginate.js";

/** GitHub's limit on a comment body. */
export const MAX_COMMENT_CHARS = 65_536;

export interface StickyCommentOptions {
  owner: string;
  repo: string;
  issueNumber: number;
  /** One comment per key, e.g. `<model>/<workflow>`. */
  key: string;
  body: string;
  /** The login the token writes as; see `resolveIdentity`. */
  identity?: string;
}

export interface StickyCommentResult {
  commentId: number;
  url: string;
  action: "created" | "updated" | "unchanged";
}

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  user?: { login?: string; type?: string } | null;
  performed_via_github_app?: { slug?: string } | null;
}

function toComment(data: { id: number | bigint; body?: string; html_url: string }): IssueComment {
  return {
    id: Number(data.id),
    html_url: data.html_url,
    ...(data.body !== undefined ? { body: data.body } : {}),
  };
}

/** The hidden HTML marker that identifies the sticky comment for `key`. */
export function stickyMarker(key: string): string {
  if (!/^[A-Za-z0-9._/@:-]{1,200}$/.test(key)) {
    throw new InputError(`Invalid sticky-comment key '${key}': use letters, digits and . _ / @ : - only.`);
  }
  return `<!-- mlops-actions:sticky:${key} -->`;
}

/** Marker + body, cut to fit GitHub's 65,536-char limit with a visible note when it had to be cut. */
export function renderStickyBody(key: string, body: string): string {
  const marker = stickyMarker(key);
  const full = `${marker}\n${body}`;
  if (full.length <= MAX_COMMENT_CHARS) return full;
  const note =
    "\n\n> ✂️ Truncated to fit GitHub's comment limit: the full report is in the job summary and the run's artifact.";
  return full.slice(0, MAX_COMMENT_CHARS - note.length) + note;
}

/**
 * Creates or updates the one comment for `key` on an issue/PR. Looks through ALL pages of comments,
 * only touches comments by the same identity (another account's comment with the same marker is left
 * alone), skips the PATCH when the body is identical, and after writing removes duplicates left by a
 * concurrent run (keeps the oldest, which ends up with this run's body), so racing runs converge on
 * one comment. Costs: 1+ list, 0–1 write, 1+ list, plus deletions only when a race happened.
 */
export async function upsertStickyComment(
  client: GitHubClient,
  options: StickyCommentOptions,
): Promise<StickyCommentResult> {
  const { owner, repo, issueNumber } = options;
  const context = { operation: `update the PR comment on #${issueNumber}`, owner, repo };
  return withGitHubErrors(context, async () => {
    const body = renderStickyBody(options.key, options.body);
    const marker = stickyMarker(options.key);
    const identity = await resolveIdentity(client, options.identity);
    const ours = async () =>
      (
        await listAllPages<IssueComment>(client, "GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
          owner,
          repo,
          issue_number: issueNumber,
        })
      )
        .filter((c) => c.body?.includes(marker) && isAuthoredBy(c, identity))
        .sort((a, b) => a.id - b.id);

    const existing = (await ours())[0];
    let written: IssueComment;
    let action: StickyCommentResult["action"];
    if (existing && existing.body === body) {
      written = existing;
      action = "unchanged";
    } else if (existing) {
      written = toComment(
        (
          await client.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
            owner,
            repo,
            comment_id: existing.id,
            body,
          })
        ).data,
      );
      action = "updated";
    } else {
      written = toComment(
        (
          await client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
            owner,
            repo,
            issue_number: issueNumber,
            body,
          })
        ).data,
      );
      action = "created";
    }
    if (action === "unchanged") return { commentId: written.id, url: written.html_url, action };

    // Race clean-up: concurrent runs (or a replayed POST) may have created more comments with the marker.
    const after = await ours();
    const keep = after[0];
    if (!keep || after.length === 1) return { commentId: written.id, url: written.html_url, action };
    for (const duplicate of after.slice(1)) {
      try {
        await client.request("DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}", {
          owner,
          repo,
          comment_id: duplicate.id,
        });
      } catch (error) {
        if (httpStatus(error) !== 404) throw error; // the other run deleted it first
      }
    }
    if (keep.id === written.id) return { commentId: keep.id, url: keep.html_url, action };
    if (keep.body !== body) {
      await client.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        owner,
        repo,
        comment_id: keep.id,
        body,
      });
    }
    return { commentId: keep.id, url: keep.html_url, action: "updated" };
  });
}
