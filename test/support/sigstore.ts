/**
 * Keyless signing in end-to-end tests: the release template's register job has `id-token: write`, so with no
 * signing key it signs keyless (issue 17). On github.com that goes to Sigstore's public-good instance; here
 * mlops.yml points signing and verification at the emulator's Sigstore stand-ins instead.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Emulator } from "@mlops/github-emulator";

/**
 * The `registry:` block of mlops.yml for the emulator's Fulcio, Rekor, trusted root and OIDC issuer; the
 * trusted root is written to `<repo>/.github/sigstore-trusted-root.json` (as `gh attestation trusted-root`
 * would give GitHub's). Append it to a mlops.yml that has no `registry:` yet.
 */
export async function emulatorSigningConfig(emulator: Emulator, repo: string): Promise<string> {
  mkdirSync(join(repo, ".github"), { recursive: true });
  writeFileSync(
    join(repo, ".github", "sigstore-trusted-root.json"),
    JSON.stringify(await emulator.sigstore.trustedRoot()),
  );
  const { sigstore } = emulator;
  return [
    "registry:",
    "  signing:",
    "    sigstore:",
    `      fulcio_url: ${sigstore.fulcioUrl}`,
    `      rekor_url: ${sigstore.rekorUrl}`,
    "      trusted_root: .github/sigstore-trusted-root.json",
    `      oidc_issuer: ${sigstore.oidcIssuer}`,
    "",
  ].join("\n");
}
