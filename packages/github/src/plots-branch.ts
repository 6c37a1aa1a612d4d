import type { GitHubClient } from "./client.js";
import { githubErrorReason, withGitHubErrors } from "./errors.js";

/** The branch the gate commits a run's images to (an orphan branch: no code, only images). */
export const DEFAULT_PLOTS_BRANCH = "mlops-plots";
/** Largest image committed (bigger ones are listed, not shown). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** Most bytes of images one run commits. */
export const MAX_IMAGES_BYTES = 20 * 1024 * 1024;
const ATTEMPTS = 3;

export interface PlotImage {
  /** Path inside the branch, e.g. `churn/pr-7/run-123-1/plots/roc.png`. */
  path: string;
  content: Buffer;
}

export interface PublishedImages {
  /** The commit on the branch holding the images. */
  commit: string;
  /** Per image (same order), the URL a comment shows it by: `{server}/{owner}/{repo}/blob/{commit}/{path}?raw=true`. */
  urls: string[];
  requests: number;
}

const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

/**
 * Commits images to `branch` through the Git database API, one commit per call: one `POST /git/blobs`
 * per image (base64), `POST /git/trees` on top of the branch's tree (earlier runs' images stay),
 * `POST /git/commits`, then `PATCH /git/refs/heads/<branch>` without force (or `POST /git/refs` for
 * the first commit, a root commit). A concurrent run that moved the branch first makes the ref update
 * refuse (422, not a fast forward); the commit is then rebuilt on the new head (up to 3 attempts).
 *
 * The URLs point at the commit (not the branch), so a comment keeps showing the images of its run. GitHub
 * renders `…/blob/<sha>/<path>?raw=true` images in comments of the same repository, in a private
 * repository for viewers with read access (docs "Basic writing and formatting syntax" → "Images").
 * Needs `contents: write`.
 */
export async function publishImages(
  client: GitHubClient,
  options: {
    owner: string;
    repo: string;
    branch?: string;
    serverUrl: string;
    images: PlotImage[];
    message: string;
  },
): Promise<PublishedImages> {
  const { owner, repo } = options;
  const branch = options.branch ?? DEFAULT_PLOTS_BRANCH;
  return withGitHubErrors(
    { operation: `commit ${options.images.length} images to ${branch}`, owner, repo },
    async () => {
      let requests = 0;
      const blobs: string[] = [];
      for (const image of options.images) {
        const { data } = await client.request("POST /repos/{owner}/{repo}/git/blobs", {
          owner,
          repo,
          content: image.content.toString("base64"),
          encoding: "base64",
        });
        requests++;
        blobs.push(data.sha);
      }
      for (let attempt = 1; ; attempt++) {
        let head: { commit: string; tree: string } | undefined;
        try {
          const { data: ref } = await client.request("GET /repos/{owner}/{repo}/git/ref/{ref}", {
            owner,
            repo,
            ref: `heads/${branch}`,
          });
          const { data: commit } = await client.request(
            "GET /repos/{owner}/{repo}/git/commits/{commit_sha}",
            {
              owner,
              repo,
              commit_sha: ref.object.sha,
            },
          );
          requests += 2;
          head = { commit: commit.sha, tree: commit.tree.sha };
        } catch (error) {
          if (githubErrorReason(error) !== "not-found") throw error;
          requests++;
        }
        const { data: tree } = await client.request("POST /repos/{owner}/{repo}/git/trees", {
          owner,
          repo,
          ...(head ? { base_tree: head.tree } : {}),
          tree: options.images.map((image, i) => ({
            path: image.path,
            mode: "100644" as const,
            type: "blob" as const,
            sha: blobs[i] as string,
          })),
        });
        const { data: commit } = await client.request("POST /repos/{owner}/{repo}/git/commits", {
          owner,
          repo,
          message: options.message,
          tree: tree.sha,
          parents: head ? [head.commit] : [],
        });
        requests += 2;
        try {
          if (head)
            await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
              owner,
              repo,
              ref: `heads/${branch}`,
              sha: commit.sha,
              force: false,
            });
          else
            await client.request("POST /repos/{owner}/{repo}/git/refs", {
              owner,
              repo,
              ref: `refs/heads/${branch}`,
              sha: commit.sha,
            });
          requests++;
        } catch (error) {
          requests++;
          // Another run moved (or created) the branch first: rebuild on its new head.
          const reason = githubErrorReason(error);
          if (attempt < ATTEMPTS && (reason === "validation" || reason === "already-exists")) continue;
          throw error;
        }
        const server = options.serverUrl.replace(/\/+$/, "");
        return {
          commit: commit.sha,
          urls: options.images.map(
            (image) => `${server}/${owner}/${repo}/blob/${commit.sha}/${encodePath(image.path)}?raw=true`,
          ),
          requests,
        };
      }
    },
  );
}
