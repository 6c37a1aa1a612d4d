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
import { DEFAULT_SIGNER_REFS, GITHUB_ACTIONS_OIDC_ISSUER, type SigningPolicy } from "./verify.js";

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
  /** Directory a `publicKey` or `trustedRoot` path override is relative to (the working directory). */
  cwd?: string;
  allowedRefs?: string[];
  required?: boolean;
  /** A Sigstore trusted root (JSON or JSONL path) overriding `registry.signing.sigstore.trusted_root`. */
  trustedRoot?: string;
  /** The OIDC issuer overriding `registry.signing.sigstore.oidc_issuer`. */
  oidcIssuer?: string;
  repository: string;
  serverUrl: string;
}

/** Which Sigstore trust keyless bundles are checked against (loaded only when a keyless bundle is verified). */
export interface SigstoreTrust {
  /**
   * `registry.signing.sigstore.instance`; unset: as register picks it, by the repository's visibility
   * (public → public-good, private or internal → github).
   */
  instance?: "public-good" | "github";
  /** Absolute path of a TrustedRoot JSON (or the JSONL `gh attestation trusted-root` prints). */
  trustedRootPath?: string;
  /** Where that path was given, for messages (`mlops.yml: registry.signing.sigstore.trusted_root`). */
  trustedRootSource?: string;
  /** For the error when instance `github` has no trusted root. */
  configName: string;
}

export interface ResolvedVerification {
  /** Undefined: nothing configured, no verification (say so in the log). */
  policy?: SigningPolicy;
  /** Set when the policy trusts keyless signatures. */
  sigstore?: SigstoreTrust;
}

/**
 * The verification policy, or none when signing is neither configured (no `registry.signing`) nor asked
 * for (no override). Keyless signatures are trusted unless `registry.signing.keyless: false`: they must
 * come from this repository's workflows, so `required` needs no public key.
 */
export function resolveVerification(settings: VerificationSettings): ResolvedVerification {
  const given = settings.config;
  const config = given ?? {};
  const required = settings.required ?? config.required ?? false;
  const keyless = config.keyless ?? true;
  const keyText = settings.publicKey
    ? pemOrFile(settings.publicKey, settings.cwd ?? process.cwd(), "public-key")
    : config.public_key
      ? pemOrFile(
          config.public_key,
          settings.configDir,
          `${settings.configName}: registry.signing.public_key`,
        )
      : undefined;
  if (!required && keyText === undefined && given === undefined && !settings.trustedRoot) return {};
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
      `${why}, but nothing is trusted to verify them: registry.signing.keyless is false and no public key is given (registry.signing.public_key, the public-key input or --public-key).`,
    );
  }
  const allowedRefs =
    settings.allowedRefs && settings.allowedRefs.length > 0
      ? settings.allowedRefs
      : (config.allowed_refs ?? DEFAULT_SIGNER_REFS);
  const sigstore = config.sigstore ?? {};
  const trustedRoot = settings.trustedRoot
    ? {
        trustedRootPath: resolve(settings.cwd ?? process.cwd(), settings.trustedRoot),
        trustedRootSource: "trusted-root",
      }
    : sigstore.trusted_root
      ? {
          trustedRootPath: resolve(settings.configDir, sigstore.trusted_root),
          trustedRootSource: `${settings.configName}: registry.signing.sigstore.trusted_root`,
        }
      : {};
  return {
    policy: {
      required,
      repository: settings.repository,
      serverUrl: settings.serverUrl,
      publicKeys,
      keyless,
      oidcIssuer: settings.oidcIssuer || sigstore.oidc_issuer || GITHUB_ACTIONS_OIDC_ISSUER,
      allowedRefs,
      ...(config.workflow ? { workflow: config.workflow } : {}),
    },
    ...(keyless
      ? {
          sigstore: {
            ...(sigstore.instance ? { instance: sigstore.instance } : {}),
            ...trustedRoot,
            configName: settings.configName,
          },
        }
      : {}),
  };
}

export type SigningMode = "auto" | "key" | "keyless" | "none";

/**
 * How `register` signs: with a key, keyless (a Sigstore certificate for the job's GitHub OIDC identity;
 * the signer itself is built by the GitHub side, which talks to Fulcio/Rekor), or not at all.
 */
export type SigningChoice =
  | { kind: "key"; signer: DsseSigner }
  | { kind: "keyless" }
  | { kind: "none"; why: string };

/** What a job needs to sign keyless, in words (for the messages below). */
const ID_TOKEN_HINT =
  "grant the job `permissions: id-token: write` (the runner then sets ACTIONS_ID_TOKEN_REQUEST_URL)";

/**
 * `auto`: the key when `signing-key` is given, else keyless when the job can get an OIDC ID token
 * (`idTokenAvailable`: ACTIONS_ID_TOKEN_REQUEST_URL is set) and the config does not turn keyless off
 * (`registry.signing.keyless: false`: deploy would not trust it), else unsigned. `key` / `keyless` insist on
 * theirs. `registry.signing.required` turns "unsigned" into an error before anything is registered.
 * Decides only: nothing here touches the network.
 */
export function chooseSigning(options: {
  mode: SigningMode;
  signingKey?: string;
  /** The job can request a GitHub OIDC ID token. */
  idTokenAvailable?: boolean;
  config?: SigningConfig;
  configName: string;
}): SigningChoice {
  const { mode, signingKey, config, configName } = options;
  const idToken = options.idTokenAvailable ?? false;
  const keylessOff = config?.keyless === false;
  if (mode === "none") {
    if (config?.required)
      throw new ConfigError(`${configName}: registry.signing.required is true, but signing is none.`);
    return { kind: "none", why: "signing: none" };
  }
  if (mode === "keyless") {
    if (keylessOff)
      throw new ConfigError(
        `signing: keyless, but ${configName} sets registry.signing.keyless to false: deploy would not trust a keyless signature (sign with a key, or remove keyless: false).`,
      );
    if (!idToken)
      throw new InputError(
        `signing: keyless, but this job cannot get a GitHub OIDC ID token: ${ID_TOKEN_HINT}.`,
      );
    return { kind: "keyless" };
  }
  if (signingKey) return { kind: "key", signer: keySigner(parsePrivateKey(signingKey, "signing-key")) };
  if (mode === "key")
    throw new InputError(
      "signing: key, but the signing-key input is empty (pass the private key from a secret).",
    );
  if (idToken && !keylessOff) return { kind: "keyless" };
  const why = keylessOff
    ? `no signing-key was given, and ${configName} turns keyless signing off (registry.signing.keyless: false)`
    : `no signing-key was given, and this job cannot sign keyless (no OIDC ID token: ${ID_TOKEN_HINT})`;
  if (config?.required)
    throw new ConfigError(
      `${configName}: registry.signing.required is true, but the version cannot be signed: ${why}; or pass a signing-key from a secret (e.g. MLOPS_SIGNING_KEY).`,
    );
  return { kind: "none", why };
}

/**
 * Environment variables that replace `registry.signing.sigstore` settings. The local runner sets them for
 * every job it runs against the emulator (packages/workflow-runner `emulatorSigstoreEnv`): there, "GitHub"
 * is the emulator, its jobs' ID tokens are only accepted by the emulator's Fulcio, and their certificates
 * only chain to its trusted root — as on GitHub the jobs' tokens go to GitHub's Sigstore. A path in
 * `MLOPS_SIGSTORE_TRUSTED_ROOT` is absolute (or relative to mlops.yml, like the setting).
 */
export const SIGSTORE_ENV = {
  fulcio_url: "MLOPS_SIGSTORE_FULCIO_URL",
  rekor_url: "MLOPS_SIGSTORE_REKOR_URL",
  tsa_url: "MLOPS_SIGSTORE_TSA_URL",
  trusted_root: "MLOPS_SIGSTORE_TRUSTED_ROOT",
  oidc_issuer: "MLOPS_SIGSTORE_OIDC_ISSUER",
} as const;

/** `config` with the `MLOPS_SIGSTORE_*` variables of `env` in place of its `sigstore` settings. */
export function withSigstoreEnv(
  config: SigningConfig | undefined,
  env: Record<string, string | undefined>,
): SigningConfig | undefined {
  const given = Object.entries(SIGSTORE_ENV).flatMap(([key, name]) =>
    env[name] ? [[key, env[name]] as const] : [],
  );
  if (given.length === 0) return config;
  return { ...config, sigstore: { ...config?.sigstore, ...Object.fromEntries(given) } };
}

/**
 * `registry.signing` of the config at `configPath` (relative to `cwd`); empty when the file does not exist.
 * `MLOPS_SIGSTORE_*` in `env` replace its Sigstore settings ({@link SIGSTORE_ENV}).
 */
export function findSigningConfig(
  cwd: string,
  configPath: string,
  env: Record<string, string | undefined> = process.env,
): {
  config?: SigningConfig;
  configDir: string;
  configName: string;
  /** The `MLOPS_SIGSTORE_*` variables that replaced settings: say so in the log (they change whom deploy trusts). */
  sigstoreEnv: string[];
} {
  const path = resolve(cwd, configPath);
  const found = withSigstoreEnv(existsSync(path) ? loadConfig(path).registry?.signing : undefined, env);
  const sigstoreEnv = Object.values(SIGSTORE_ENV).filter((name) => env[name]);
  return {
    ...(found ? { config: found } : {}),
    configDir: dirname(path),
    configName: configPath,
    sigstoreEnv,
  };
}

/** The log line for {@link findSigningConfig}'s `sigstoreEnv`, or undefined when none was set. */
export function sigstoreEnvNotice(names: string[], configName: string): string | undefined {
  if (names.length === 0) return undefined;
  return `Sigstore settings from the environment (${names.join(", ")}) replace registry.signing.sigstore of ${configName}; the local runner sets them for its emulator's Sigstore.`;
}
