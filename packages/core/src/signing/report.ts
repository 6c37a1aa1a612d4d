/**
 * What `mlops validate` says about signed versions (docs/signing.md): who deploy trusts to have signed a
 * version, and a note when unsigned versions can still be deployed.
 */
import type { MlopsConfig } from "../config/schema.js";
import { DEFAULT_SIGNER_REFS } from "./verify.js";

/** The user guide for signing (key-based and keyless, templates, verifying from a laptop). */
export const SIGNING_DOC = "docs/signing.md";

export function signingReport(config: MlopsConfig): { signingLines: string[]; notes: string[] } {
  const signing = config.registry?.signing;
  const signingLines: string[] = [];
  const notes: string[] = [];
  const refs = (signing?.allowed_refs ?? DEFAULT_SIGNER_REFS).join(", ");
  const signer = signing?.workflow ?? "any workflow of this repository";
  const trusted: string[] = [];
  if (signing?.keyless ?? true) {
    const instance =
      signing?.sigstore?.instance ?? "public-good for a public repository, github for a private one";
    trusted.push(`keyless: a Sigstore certificate of ${signer} at ${refs} (Sigstore instance: ${instance})`);
  }
  if (signing?.public_key) trusted.push(`key: registry.signing.public_key, signed by ${signer} at ${refs}`);
  if (signing?.required) {
    if (trusted.length === 0)
      notes.push(
        `note: registry.signing.required is true but keyless is false and there is no public_key: deploy cannot verify any version (see ${SIGNING_DOC})`,
      );
    else
      signingLines.push(
        "signed: required — register refuses to publish an unsigned version and deploy refuses to deploy one",
        ...trusted.map((line) => `signed: trusted ${line}`),
      );
  } else
    notes.push(
      `note: registry.signing.required is not true — deploy will deploy a version that is not signed. The release workflow's register job signs keyless (it has id-token: write) or with the MLOPS_SIGNING_KEY secret; set required: true to refuse unsigned versions (see ${SIGNING_DOC})`,
    );
  return { signingLines, notes };
}
