/**
 * Signing a version registered from a local checkout (`mlops registry register --signing-key`): the
 * provenance binds the checkout's commit and ref and says there was no workflow and no run
 * (docs/signing.md, "Signing from a laptop").
 */
import type { LocalCheckout } from "./statements.js";
import type { VersionSigner } from "./verify.js";

/** `signer`, with every provenance statement it signs marked as a local registration of `checkout`. */
export function localVersionSigner(signer: VersionSigner, checkout: LocalCheckout): VersionSigner {
  return {
    description: `${signer.description}, local checkout at ${checkout.ref}${checkout.dirty ? " with uncommitted changes" : ""}`,
    sign: (files, facts) => signer.sign(files, { ...facts, local: checkout }),
  };
}
