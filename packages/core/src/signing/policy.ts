/**
 * Where signing and verification settings come from: `registry.signing` in mlops.yml, overridden by action
 * inputs or CLI flags. One place, so `register`, `deploy` and `mlops registry verify` agree.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadConfig } from "../config/load.js";
import type { SigningConfig } from "../config/schema.js";
import { ConfigError, InputError } from "../errors.js";
import { type DsseSigner, keySigner, parsePrivateKey, parsePublicKey } from "./keys.js";
import { DEFAULT_SIGNER_REFS, type SigningPolicy } from "./verify.js";

/** A PEM given inline, or a path (relative to `baseDir`) to read it from. */
function pemOrFile(value: string, baseDir: string, what: string): string {
  if (value.includes("-----BEGIN")) return value;
  const path = resolve(baseDir, value);
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new ConfigError(`${what}: no key file at ${path} (give a path to a PEM file or the PEM itself).`);
  }
}

/** Splits `refs/heads/main, refs/tags/v*` (commas or new lines). */
export function parseRefPatterns(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

export interface VerificationSettings {
  /** `registry.signing` of mlops.yml, if any. */
  config?: SigningConfig;
  /** Directory mlops.yml is in (relative key and trusted-root paths). */
  configDir: string;
  /** Where the config came from, for messages (`mlops.yml`). */
  configName: string;
  /** Overrides: the deploy action's inputs or the CLI's flags (empty = not given). */
  publicKey?: string;
  /** Directory a `publicKey` / `trustedRoot` path override is relative to (the working directory). */
  cwd?: string;
  allowedRefs?: string[];
  required?: boolean;
  keyless?: boolean;
  trustedRoot?: string;
  repository: string;
  serverUrl: string;
}

export interface ResolvedVerification {
  /** Undefined: nothing configured, no verification (say so in the log). */
  policy?: SigningPolicy;
  /** A Sigstore trusted-root file for keyless verification (else the public-good instance's). */
  trustedRoot?: string;
}

/** The verification policy, or none when signing is neither required nor configured. */
export function resolveVerification(settings: VerificationSettings): ResolvedVerification {
  const config = settings.config ?? {};
  const required = settings.required ?? config.required ?? false;
  const keyless = settings.keyless ?? config.keyless ?? false;
  const keyText = settings.publicKey
    ? pemOrFile(settings.publicKey, settings.cwd ?? process.cwd(), "public-key")
    : config.public_key
      ? pemOrFile(
          config.public_key,
          settings.configDir,
          `${settings.configName}: registry.signing.public_key`,
        )
      : undefined;
  if (!required && !keyless && keyText === undefined) return {};
  const publicKeys = keyText
    ? [
        parsePublicKey(
          keyText,
          settings.publicKey ? "public-key" : `${settings.configName}: registry.signing.public_key`,
        ),
      ]
    : [];
  if (required && publicKeys.length === 0 && !keyless) {
    const why =
      settings.required === undefined
        ? `${settings.configName}: registry.signing.required is true`
        : "signatures are required";
    throw new ConfigError(
      `${why}, but nothing is trusted to verify them: give a public key (registry.signing.public_key, the public-key input or --public-key) or enable keyless.`,
    );
  }
  const allowedRefs =
    settings.allowedRefs && settings.allowedRefs.length > 0
      ? settings.allowedRefs
      : (config.allowed_refs ?? DEFAULT_SIGNER_REFS);
  const trustedRoot = settings.trustedRoot
    ? resolve(settings.cwd ?? process.cwd(), settings.trustedRoot)
    : config.trusted_root
      ? resolve(settings.configDir, config.trusted_root)
      : undefined;
  return {
    policy: {
      required,
      repository: settings.repository,
      serverUrl: settings.serverUrl,
      publicKeys,
      keyless,
      allowedRefs,
      ...(config.workflow ? { workflow: config.workflow } : {}),
    },
    ...(trustedRoot ? { trustedRoot } : {}),
  };
}

export type SigningMode = "auto" | "key" | "keyless" | "none";

/** How `register` signs: with a key, keyless (the wiring builds the Sigstore signer), or not at all. */
export type SigningChoice =
  | { kind: "key"; signer: DsseSigner }
  | { kind: "keyless" }
  | { kind: "none"; why: string };

/**
 * `auto`: the key when `signing-key` is given, else keyless when `registry.signing.keyless` is set and the
 * job may request an OIDC token (`permissions: id-token: write`), else unsigned. `registry.signing.required`
 * turns "unsigned" into an error before anything is registered.
 */
export function chooseSigning(options: {
  mode: SigningMode;
  signingKey?: string;
  config?: SigningConfig;
  configName: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL is set: the job has `id-token: write`. */
  idTokenAvailable: boolean;
}): SigningChoice {
  const { mode, signingKey, config } = options;
  if (mode === "none") return { kind: "none", why: "signing: none" };
  if (signingKey && mode !== "keyless")
    return { kind: "key", signer: keySigner(parsePrivateKey(signingKey, "signing-key")) };
  if (mode === "key")
    throw new InputError(
      "signing: key, but the signing-key input is empty (pass the private key from a secret).",
    );
  const wantKeyless = mode === "keyless" || config?.keyless === true;
  if (wantKeyless && options.idTokenAvailable) return { kind: "keyless" };
  if (mode === "keyless")
    throw new InputError(
      "signing: keyless needs an OIDC token: give the job `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL is not set).",
    );
  const why = wantKeyless
    ? "registry.signing.keyless is set, but the job has no `permissions: id-token: write`"
    : "no signing-key was given and keyless signing is not enabled";
  if (config?.required)
    throw new ConfigError(
      `${options.configName}: registry.signing.required is true, but this version cannot be signed: ${why}.`,
    );
  return { kind: "none", why };
}

/** `registry.signing` of the config at `configPath` (relative to `cwd`); empty when the file does not exist. */
export function findSigningConfig(
  cwd: string,
  configPath: string,
): { config?: SigningConfig; configDir: string; configName: string } {
  const path = resolve(cwd, configPath);
  const found = existsSync(path) ? loadConfig(path).registry?.signing : undefined;
  return { ...(found ? { config: found } : {}), configDir: dirname(path), configName: configPath };
}
