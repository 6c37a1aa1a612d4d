import type { GitHubClient } from "../client.js";
import { githubErrorReason } from "../errors.js";
import { listAllPages } from "../paginate.js";

/** A release asset as this package uses it. */
export interface ReleaseAsset {
  id: number;
  name: string;
  size: number;
  /** `sha256:<hex>`; null for assets uploaded before 2025-06 */
  digest: string | null;
  state: string;
  contentType: string;
  browserDownloadUrl: string;
}

/** A release as this package uses it. */
export interface Release {
  id: number;
  tagName: string;
  draft: boolean;
  prerelease: boolean;
  body: string;
  htmlUrl: string;
  uploadUrl: string;
  assets: ReleaseAsset[];
}

interface RawAsset {
  id: number | bigint;
  name: string;
  size: number;
  digest?: string | null;
  state: string;
  content_type: string;
  browser_download_url: string;
}
interface RawRelease {
  id: number | bigint;
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
  body?: string | null;
  html_url: string;
  upload_url: string;
  assets?: RawAsset[];
}

/** Normalises a REST asset object. */
export function toAsset(raw: RawAsset): ReleaseAsset {
  return {
    id: Number(raw.id),
    name: raw.name,
    size: raw.size,
    digest: raw.digest ?? null,
    state: raw.state,
    contentType: raw.content_type,
    browserDownloadUrl: raw.browser_download_url,
  };
}

/** Normalises a REST release object. */
export function toRelease(raw: RawRelease): Release {
  return {
    id: Number(raw.id),
    tagName: raw.tag_name,
    draft: raw.draft,
    prerelease: raw.prerelease,
    body: raw.body ?? "",
    htmlUrl: raw.html_url,
    uploadUrl: raw.upload_url,
    assets: (raw.assets ?? []).map(toAsset),
  };
}

/** The published release of `tag` (`GET /releases/tags/{tag}`, slash percent-encoded), or undefined on 404. */
export async function getPublishedRelease(
  client: GitHubClient,
  owner: string,
  repo: string,
  tag: string,
): Promise<Release | undefined> {
  try {
    const { data } = await client.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      owner,
      repo,
      tag,
    });
    return toRelease(data as RawRelease);
  } catch (error) {
    if (githubErrorReason(error) === "not-found") return undefined;
    throw error;
  }
}

/** Every release, newest first (all pages of 100; drafts included for push-access tokens). */
export async function listAllReleases(client: GitHubClient, owner: string, repo: string): Promise<Release[]> {
  const raw = await listAllPages<RawRelease>(client, "GET /repos/{owner}/{repo}/releases", { owner, repo });
  return raw.map(toRelease);
}
