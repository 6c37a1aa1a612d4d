import { InputError } from "../errors.js";

/**
 * A registered model version, as a label: a whole number (`7`, tag `<model>/v7`) or a semantic version
 * (`1.4.0`, `2.0.0-rc.1`, tag `<model>/v1.4.0`). Versions are ordered by semver precedence, a whole
 * number N counting as N.0.0, so both kinds can live side by side in one model.
 */
export type ModelVersion = string;

/** A version label taken apart for ordering. */
export interface ParsedModelVersion {
  /** The canonical label: no `v` prefix, no leading zeros in a whole number. */
  label: ModelVersion;
  /** True for a whole-number label (`7`). */
  integer: boolean;
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated prerelease identifiers (`rc.1` → `["rc", 1]`); empty for a release. */
  prerelease: Array<string | number>;
}

const MAX_LABEL_LENGTH = 64;
const NUMBER = "(0|[1-9]\\d{0,14})";
const IDENTIFIER = "(?:0|[1-9]\\d{0,14}|\\d*[A-Za-z-][0-9A-Za-z-]*)";
const INTEGER = /^v?(\d{1,15})$/;
const SEMVER = new RegExp(`^v?${NUMBER}\\.${NUMBER}\\.${NUMBER}(?:-(${IDENTIFIER}(?:\\.${IDENTIFIER})*))?$`);

/** Parses a label (`7`, `v7`, `1.4.0`, `v2.0.0-rc.1`), or undefined when it is not one. */
export function tryParseModelVersion(text: string): ParsedModelVersion | undefined {
  if (text.length > MAX_LABEL_LENGTH) return undefined;
  const integer = INTEGER.exec(text);
  if (integer?.[1] !== undefined) {
    const major = Number(integer[1]);
    if (major < 1) return undefined;
    return { label: String(major), integer: true, major, minor: 0, patch: 0, prerelease: [] };
  }
  const semver = SEMVER.exec(text);
  if (!semver) return undefined;
  const [, major = "0", minor = "0", patch = "0", pre] = semver;
  const label = text.startsWith("v") ? text.slice(1) : text;
  return {
    label,
    integer: false,
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    prerelease: pre ? pre.split(".").map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [],
  };
}

/**
 * Why `text` is not a version label (one sentence for an error message), or undefined when it is one.
 * Build metadata (`1.4.0+abc`) gets its own explanation.
 */
export function modelVersionProblem(text: string): string | undefined {
  if (tryParseModelVersion(text)) return undefined;
  if (text.length > MAX_LABEL_LENGTH) return `a version has at most ${MAX_LABEL_LENGTH} characters`;
  if (/^v?\d/.test(text) && text.includes("+"))
    return "build metadata (`+…`) is not supported because `+` is not safe in tag names and release URLs; drop the `+…` part";
  const integer = INTEGER.exec(text);
  if (integer?.[1] !== undefined) return "whole-number versions start at 1";
  return "use a whole number (7) or semver MAJOR.MINOR.PATCH with an optional -prerelease (1.4.0, 2.0.0-rc.1)";
}

/** Parses a label (`7`, `v1.4.0`, surrounding spaces ignored); otherwise a one-line InputError saying why. */
export function parseModelVersion(text: string): ParsedModelVersion {
  const trimmed = text.trim();
  const parsed = tryParseModelVersion(trimmed);
  if (parsed) return parsed;
  throw new InputError(`Invalid model version '${text}': ${modelVersionProblem(trimmed)}.`);
}

/**
 * True when `text` reads as a version rather than a name (`7`, `v1.4.0`, `1.4`, `1.4.0+build`), so a
 * selector like that is parsed as a version and a mistake in it gets a version error.
 */
export function looksLikeModelVersion(text: string): boolean {
  return /^v?\d+(\.\d+)*$|^v?\d+\.\d+\.\d+[-+]/.test(text);
}

function compareIdentifiers(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrecedence(a: ParsedModelVersion, b: ParsedModelVersion): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0)
    return b.prerelease.length - a.prerelease.length; // a release ranks above its prereleases
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const order = compareIdentifiers(a.prerelease[i] ?? 0, b.prerelease[i] ?? 0);
    if (order !== 0) return order;
  }
  return a.prerelease.length - b.prerelease.length;
}

/**
 * Semver precedence (negative when `a` is older): `1.9.0 < 1.10.0`, `2.0.0-rc.1 < 2.0.0`, and a whole
 * number N equals N.0.0 — so `7` and `7.0.0` compare as 0. Throws on a non-version.
 */
export function compareModelVersions(a: ModelVersion, b: ModelVersion): number {
  return comparePrecedence(parseModelVersion(a), parseModelVersion(b));
}

/** True when the two labels name the same version (`7`, `v7`, `7.0.0`). */
export function sameModelVersion(a: ModelVersion, b: ModelVersion): boolean {
  return compareModelVersions(a, b) === 0;
}

/** Labels sorted newest first (ties such as `7` / `7.0.0` broken by label, so the order is stable). */
export function sortModelVersionsDescending(labels: Iterable<ModelVersion>): ModelVersion[] {
  return [...labels]
    .map((label) => parseModelVersion(label))
    .sort((a, b) => comparePrecedence(b, a) || (a.label < b.label ? 1 : a.label > b.label ? -1 : 0))
    .map((v) => v.label);
}

/** The version `auto` takes: the highest major (prereleases included) + 1, as a whole number. */
export function nextAutoVersion(labels: Iterable<ModelVersion>): ModelVersion {
  let major = 0;
  for (const label of labels) major = Math.max(major, parseModelVersion(label).major);
  return String(major + 1);
}
