/** Deterministic fault injection (seeded): 5xx, rate limits, connection resets, slow responses. */

export type FaultKind = "5xx" | "secondary-rate-limit" | "429" | "reset-mid-body" | "slow";

export interface FaultRule {
  /** Route template (`/repos/{owner}/{repo}/releases`) or `METHOD template`; omitted = every route. */
  route?: string;
  method?: string;
  /** Probability (0..1) that a matching request is hit (drawn from the seeded generator). */
  rate?: number;
  /** 1-based indices of the matching requests to hit (counted per rule). */
  nth?: number[];
  kind: FaultKind;
  /** Status for `5xx` (default 502). */
  status?: number;
  /**
   * For `reset-mid-body` on a byte-stream answer (an asset download): how many bytes are sent before the
   * connection is dropped (default: half the body).
   */
  cutAfterBytes?: number;
  /** Delay for `slow` (default 200 ms). */
  delayMs?: number;
  /**
   * With `5xx` on the asset-upload route: leave an empty asset in state `starter` behind the error, as
   * GitHub documents for a 502 during upload (the client must delete it before re-uploading).
   */
  starterAsset?: boolean;
  /**
   * Identities (token logins) whose requests this rule never hits: a test's own observer or the human
   * maintainer of a scenario, whose calls stand for clicks in GitHub's UI rather than the product's calls.
   */
  exceptLogins?: string[];
  /** Only the REST API (`rest`) or only the artifact runtime (`runtime`: `/twirp`, `/_blob`); default both. */
  surface?: "rest" | "runtime";
}

/**
 * Emulator-only routes (`/_emulator/…`: the runner's bookkeeping, test controls; `/_sigstore/…`: the
 * Sigstore stand-ins) stand for GitHub's own machinery or other services, not for its API: a rule hits them
 * only when its `route` names them.
 */
const EMULATOR_ONLY = /^\/_(emulator|sigstore)\//;

/** mulberry32: tiny, seedable PRNG. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private counts: number[] = [];
  private random: () => number;

  constructor(
    private readonly seed: number,
    rules: FaultRule[] = [],
  ) {
    this.random = generator(seed);
    this.set(rules);
  }

  /** Replaces the rules and resets counters and the generator (same seed → same faults). */
  set(rules: FaultRule[]): void {
    this.rules = [...rules];
    this.counts = rules.map(() => 0);
    this.random = generator(this.seed);
  }

  /** The fault to apply to this request, if any (first matching rule that fires). */
  pick(
    method: string,
    template: string,
    login?: string,
    surface: "rest" | "runtime" = "rest",
  ): FaultRule | undefined {
    for (const [index, rule] of this.rules.entries()) {
      if (!matches(rule, method, template)) continue;
      if (rule.surface && rule.surface !== surface) continue;
      if (!rule.route && EMULATOR_ONLY.test(template)) continue;
      if (login && rule.exceptLogins?.includes(login)) continue;
      const count = (this.counts[index] ?? 0) + 1;
      this.counts[index] = count;
      const byNth = rule.nth ? rule.nth.includes(count) : undefined;
      const byRate = rule.rate !== undefined ? this.random() < rule.rate : undefined;
      const fires = byNth ?? byRate ?? true;
      if (byNth !== undefined && byRate !== undefined ? byNth && byRate : fires) return rule;
    }
    return undefined;
  }
}

function matches(rule: FaultRule, method: string, template: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  if (!rule.route) return true;
  const space = rule.route.indexOf(" ");
  if (space > 0)
    return rule.route.slice(0, space).toUpperCase() === method && rule.route.slice(space + 1) === template;
  return rule.route === template;
}
