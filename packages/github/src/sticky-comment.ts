import { cutToBudget, InputError, measure, PR_COMMENT_BUDGET, reserveBudget } from "@mlops/core";
import type { GitHubClient } from "./client.js";
import { createOnce } from "./create-once.js";
import { httpStatus, withGitHubErrors } from "./errors.js";
import { assumedIdentity, isAuthoredBy, sameLogin } from "./identity.js";
import { listAllPages } from "./paginate.js";

export interface StickyCommentOptions {
  owner: string;
  repo: string;
  issueNumber: number;
  /** One comment per key, e.g. `<model>/<workflow>`. */
  key: string;
  body: string;
  /** The login the token writes as (default `github-actions[bot]`); see `assumedIdentity`. */
  identity?: string;
}

export interface StickyCommentResult {
  commentId: number;
  url: string;
  action: "created" | "updated" | "unchanged";
  /**
   * The login the comment is written as: `identity` (or `github-actions[bot]`), or the author GitHub
   * reported on a comment this call created when that differs.
   */
  author: string;
  /**
   * Set when the token writes as another login than was assumed (learned from the comment it created):
   * the next run finds its comment only with `identity: author`, else it posts and cleans up again.
   */
  identityMismatch?: { assumed: string; actual: string };
}

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  user?: { login?: string; type?: string } | null;
  performed_via_github_app?: { slug?: string } | null;
}

function toComment(data: {
  id: number | bigint;
  body?: string;
  html_url: string;
  user?: { login?: string } | null;
}): IssueComment {
  return {
    id: Number(data.id),
    html_url: data.html_url,
    ...(data.body !== undefined ? { body: data.body } : {}),
    ...(data.user?.login ? { user: { login: data.user.login } } : {}),
  };
}

/** The hidden HTML marker that identifies the sticky comment for `key`. */
export function stickyMarker(key: string): string {
  if (!/^[A-Za-z0-9._/@:-]{1,200}$/.test(key)) {
    throw new InputError(`Invalid sticky-comment key '${key}': use letters, digits and . _ / @ : - only.`);
  }
  return `<!-- mlops-actions:sticky:${key} -->`;
}

/**
 * Marker + body within GitHub's comment limit (65,536 characters, `PR_COMMENT_BUDGET`): the marker is
 * always kept whole; the body is cut between lines with a visible note when it does not fit.
 */
export function renderStickyBody(key: string, body: string): string {
  const marker = `${stickyMarker(key)}\n`;
  const room = reserveBudget(PR_COMMENT_BUDGET, measure(marker, PR_COMMENT_BUDGET.unit));
  return (
    marker + cutToBudget(body, room, { note: "the full report is in the job summary and the run's artifact" })
  );
}

/**
 * Creates or updates the one comment for `key` on an issue/PR. Looks through ALL pages of comments,
 * only touches comments by the same identity (another account's comment with the same marker is left
 * alone), skips the PATCH when the body is identical, and after writing removes duplicates left by a
 * concurrent run (keeps the oldest, which ends up with this run's body), so racing runs converge on
 * one comment. Costs: 1+ list, 0–1 write, 1+ list, plus deletions only when a race happened.
 *
 * Identity costs no request: `identity`, else `github-actions[bot]`. When a comment it creates comes back
 * with another author (a GitHub App or personal token given no `identity`), that author is ours from then
 * on: the clean-up pass then finds our older comment, keeps it with this body and deletes the new one, so
 * the PR still ends with one comment, and `identityMismatch` says which `identity` to pass next time.
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
    const assumed = assumedIdentity(options.identity);
    let identity = assumed;
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
      // Not replayed blindly: after a lost response, our comment is looked up before posting again.
      written = await createOnce({
        create: async () =>
          toComment(
            (
              await client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
                owner,
                repo,
                issue_number: issueNumber,
                body,
                request: { retries: 0 },
              })
            ).data,
          ),
        find: async () => (await ours())[0],
      });
      action = "created";
    }
    const actual = action === "created" ? written.user?.login : undefined;
    const identityMismatch =
      actual && !sameLogin(actual, assumed) ? { identityMismatch: { assumed, actual } } : {};
    if (actual) identity = actual; // learned from our own write
    const done = (commentId: number, url: string, action: StickyCommentResult["action"]) => ({
      commentId,
      url,
      action,
      author: identity,
      ...identityMismatch,
    });
    if (action === "unchanged") return done(written.id, written.html_url, action);

    // Race clean-up: concurrent runs (or a replayed POST) may have created more comments with the marker.
    const after = await ours();
    const keep = after[0];
    if (!keep || after.length === 1) return done(written.id, written.html_url, action);
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
    if (keep.id === written.id) return done(keep.id, keep.html_url, action);
    if (keep.body !== body) {
      await client.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        owner,
        repo,
        comment_id: keep.id,
        body,
      });
    }
    return done(keep.id, keep.html_url, "updated");
  });
}
