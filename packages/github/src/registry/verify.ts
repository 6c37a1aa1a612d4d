import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type OpenBundle,
  SIGNATURE_ASSETS,
  type SigningPolicy,
  type VerifiedVersion,
  verifySignedVersion,
} from "@mlops/core";
import type { GitHubClient } from "../client.js";
import { withGitHubErrors } from "../errors.js";
import { type GitHubLog, silentLog } from "../log.js";
import { type DownloadedModel, downloadAsset, downloadModel } from "./download.js";
import { hashFile, parseSha256Sums } from "./metadata.js";
import { versionSelector } from "./names.js";
import type { ResolvedModel } from "./resolve.js";

export interface VerifyModelOptions {
  owner: string;
  repo: string;
  resolved: ResolvedModel;
  /** Where the version is downloaded (its files stay there when it verifies, and are removed when not). */
  dir: string;
  policy: SigningPolicy;
  /** Checks Sigstore (keyless) bundles; without it only key-based signatures can verify. */
  openBundle?: OpenBundle;
  log?: GitHubLog;
}

export interface VerifiedModel {
  downloaded: DownloadedModel;
  /** Undefined: the version is not signed and the policy does not require it (a warning was logged). */
  verified?: VerifiedVersion;
}

/**
 * Downloads a version (files checked against model.json, SHA256SUMS and the asset digests) and its
 * signature assets, then verifies the signature, the signer and every file against `policy` (core
 * `verifySignedVersion`). Refused → the downloaded files are removed and the SignatureError/IntegrityError
 * is thrown: nothing half-verified is left for a deploy command to pick up.
 */
export async function downloadVerifiedModel(
  client: GitHubClient,
  options: VerifyModelOptions,
): Promise<VerifiedModel> {
  const { owner, repo, resolved, dir } = options;
  const log = options.log ?? silentLog;
  try {
    const downloaded = await downloadModel(client, {
      owner,
      repo,
      model: resolved.model,
      selector: versionSelector(resolved.version),
      dir,
      log,
      resolved,
    });
    const signatures = new Map<string, string>();
    await withGitHubErrors(
      { operation: `download the signatures of ${resolved.tag}`, owner, repo },
      async () => {
        for (const name of SIGNATURE_ASSETS) {
          const asset = resolved.release.assets.find((a) => a.name === name);
          if (!asset) continue;
          const path = join(dir, name);
          await downloadAsset(client, owner, repo, asset, path);
          signatures.set(name, await readFile(path, "utf8"));
        }
      },
    );
    if (signatures.size === 0 && !options.policy.required) {
      log.warning(`${resolved.tag} is not signed; using it because registry.signing.required is not set.`);
      return { downloaded };
    }
    const sumsPath = join(dir, "SHA256SUMS");
    const verified = await verifySignedVersion(
      {
        model: resolved.model,
        version: resolved.version,
        tag: resolved.tag,
        sums: parseSha256Sums(await readFile(sumsPath, "utf8")),
        sumsSha256: (await hashFile(sumsPath)).sha256,
        downloaded: [
          ...downloaded.files.map((f) => ({ name: f.name, sha256: f.sha256 })),
          { name: "model.json", sha256: (await hashFile(join(dir, "model.json"))).sha256 },
        ],
        signatures,
      },
      options.policy,
      options.openBundle,
    );
    log.info(
      `${resolved.tag}: signature verified (${verified.signer} at ${verified.ref}, commit ${verified.commit.slice(0, 12)}; ${verified.files} files${verified.witness ? `; ${verified.witness}` : ""}).`,
    );
    return { downloaded, verified };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
