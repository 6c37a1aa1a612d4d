/**
 * A mergeable, range-free histogram of floating-point values: the bucket of x is the top 12 mantissa
 * bits, exponent and sign of its IEEE-754 double (the high 32 bits shifted right by 8). Every bucket
 * spans a relative width of at most 2^-12 ≈ 0.024 % of its values, so a quantile read from the sketch is
 * within 0.024 % (relative) of a value of the data, and a CDF difference (KS D) read at bucket edges can
 * only miss what changes inside one bucket. Merging adds counts, so shards merge exactly.
 */

const SHIFT = 8;
const view = new DataView(new ArrayBuffer(8));
const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word at [1]

/** Bucket key of x (a small non-negative integer; keys of negative numbers have the sign bit set). */
export function bucketKey(x: number): number {
  f64[0] = x === 0 ? 0 : x; // -0 → 0
  return (i32[HI] as number) >>> SHIFT; // int32 view: no uint32 → double conversion
}

/** Counts per bucket key in an open-addressing table (keys < 2^24), much cheaper than a Map per value. */
export class KeyCounter {
  private keys = new Int32Array(1024).fill(-1);
  private counts = new Float64Array(1024);
  size = 0;

  add(key: number, by = 1): void {
    let mask = this.keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) & mask; // int32 & positive mask: non-negative
    for (;;) {
      const k = this.keys[i] as number;
      if (k === key) {
        this.counts[i] = (this.counts[i] as number) + by;
        return;
      }
      if (k === -1) break;
      i = (i + 1) & mask;
    }
    this.keys[i] = key;
    this.counts[i] = by;
    if (++this.size * 2 > this.keys.length) {
      const oldKeys = this.keys;
      const oldCounts = this.counts;
      this.keys = new Int32Array(oldKeys.length * 2).fill(-1);
      this.counts = new Float64Array(oldKeys.length * 2);
      this.size = 0;
      mask = this.keys.length - 1;
      for (let j = 0; j < oldKeys.length; j++)
        if ((oldKeys[j] as number) !== -1) this.add(oldKeys[j] as number, oldCounts[j] as number);
    }
  }

  /**
   * Counts the bucket key of every non-NaN value of xs (NaN = null is skipped) — the same keys as
   * {@link bucketKey}, read from the high words of the doubles in place, in one tight loop.
   */
  addAll(xs: Float64Array): void {
    const words = new Int32Array(xs.buffer, xs.byteOffset, xs.length * 2);
    let keys = this.keys;
    let counts = this.counts;
    let mask = keys.length - 1;
    for (let j = 0; j < xs.length; j++) {
      const x = xs[j] as number;
      if (Number.isNaN(x)) continue;
      const key = x === 0 ? 0 : (words[2 * j + HI] as number) >>> SHIFT; // -0 → 0
      let i = Math.imul(key, 0x9e3779b1) & mask;
      for (;;) {
        const k = keys[i] as number;
        if (k === key) {
          counts[i] = (counts[i] as number) + 1;
          break;
        }
        if (k === -1) {
          this.add(key);
          keys = this.keys;
          counts = this.counts;
          mask = keys.length - 1;
          break;
        }
        i = (i + 1) & mask;
      }
    }
  }

  entries(): [number, number][] {
    const out: [number, number][] = [];
    for (let j = 0; j < this.keys.length; j++)
      if ((this.keys[j] as number) !== -1) out.push([this.keys[j] as number, this.counts[j] as number]);
    return out;
  }
}

/** Lowest, highest and middle value of a bucket. */
function bucketEdge(key: number, offset: number): number {
  view.setUint32(0, ((key << SHIFT) | offset) >>> 0);
  view.setUint32(4, 0);
  return view.getFloat64(0);
}

/** A representative value of a bucket (its middle); 0 for the zero bucket. */
export function bucketValue(key: number): number {
  if (key === 0) return 0;
  return bucketEdge(key, 1 << (SHIFT - 1));
}

/** A sketch as stored in a profile: [key, count] pairs sorted by key value. */
export type Sketch = [number, number][];

export function sketchFromMap(map: Map<number, number> | KeyCounter): Sketch {
  // sorted by bucket value, each computed once (not twice per comparison)
  const entries = [...map.entries()];
  const values = new Float64Array(entries.length);
  const order = Array.from(entries, (e, i) => {
    values[i] = e[0] === 0 ? 0 : bucketValue(e[0]);
    return i;
  });
  order.sort((a, b) => (values[a] as number) - (values[b] as number));
  return order.map((i) => entries[i] as [number, number]);
}

export function mergeSketches(a: Sketch, b: Sketch): Sketch {
  const map = new Map<number, number>(a);
  for (const [k, c] of b) map.set(k, (map.get(k) ?? 0) + c);
  return sketchFromMap(map);
}

/** A weighted sorted sample: ascending values with a count each. */
export interface WeightedSample {
  values: Float64Array;
  weights: Float64Array;
  total: number;
}

export function sketchSample(sketch: Sketch): WeightedSample {
  const values = Float64Array.from(sketch, ([k]) => bucketValue(k));
  const weights = Float64Array.from(sketch, ([, c]) => c);
  return { values, weights, total: weights.reduce((s, w) => s + w, 0) };
}

/** Groups sorted exact values into a weighted sample (ties collapsed). */
export function exactSample(sorted: ArrayLike<number>): WeightedSample {
  const values: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i] as number;
    if (values.length && values[values.length - 1] === x)
      weights[weights.length - 1] = (weights[weights.length - 1] as number) + 1;
    else {
      values.push(x);
      weights.push(1);
    }
  }
  return { values: Float64Array.from(values), weights: Float64Array.from(weights), total: sorted.length };
}

/** Exact values mapped onto the sketch buckets (to compare an exact side with a sketched one). */
export function bucketize(sorted: ArrayLike<number>): WeightedSample {
  const map = new Map<number, number>();
  for (let i = 0; i < sorted.length; i++) {
    const k = bucketKey(sorted[i] as number);
    map.set(k, (map.get(k) ?? 0) + 1);
  }
  return sketchSample(sketchFromMap(map));
}

/** sup |F_a − F_b| over two weighted samples (evaluated after each distinct value). */
export function ksStatisticWeighted(a: WeightedSample, b: WeightedSample): number {
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  let d = 0;
  while (i < a.values.length || j < b.values.length) {
    const x = Math.min(
      i < a.values.length ? (a.values[i] as number) : Infinity,
      j < b.values.length ? (b.values[j] as number) : Infinity,
    );
    while (i < a.values.length && (a.values[i] as number) <= x) fa += a.weights[i++] as number;
    while (j < b.values.length && (b.values[j] as number) <= x) fb += b.weights[j++] as number;
    const diff = Math.abs(fa / a.total - fb / b.total);
    if (diff > d) d = diff;
  }
  return d;
}

/** ∫|F_a − F_b| dx over two weighted samples (1-D Wasserstein distance). */
export function wassersteinWeighted(a: WeightedSample, b: WeightedSample): number {
  if (a.total === 0 || b.total === 0) return 0;
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  let prev = Math.min(a.values[0] ?? Infinity, b.values[0] ?? Infinity);
  let total = 0;
  while (i < a.values.length || j < b.values.length) {
    const x = Math.min(
      i < a.values.length ? (a.values[i] as number) : Infinity,
      j < b.values.length ? (b.values[j] as number) : Infinity,
    );
    total += Math.abs(fa / a.total - fb / b.total) * (x - prev);
    while (i < a.values.length && (a.values[i] as number) <= x) fa += a.weights[i++] as number;
    while (j < b.values.length && (b.values[j] as number) <= x) fb += b.weights[j++] as number;
    prev = x;
  }
  return total;
}

/** The value below which a share q of the weighted sample lies. */
export function quantileWeighted(s: WeightedSample, q: number): number {
  const target = q * s.total;
  let acc = 0;
  for (let i = 0; i < s.values.length; i++) {
    acc += s.weights[i] as number;
    if (acc > target) return s.values[i] as number;
  }
  return s.values[s.values.length - 1] ?? 0;
}

/** Counts per bin for `edges` (bin b holds edges[b-1] ≤ x < edges[b]). */
export function binWeighted(s: WeightedSample, edges: readonly number[]): number[] {
  const out = new Array<number>(edges.length + 1).fill(0);
  let b = 0;
  for (let i = 0; i < s.values.length; i++) {
    const x = s.values[i] as number;
    while (b < edges.length && x >= (edges[b] as number)) b++;
    out[b] = (out[b] as number) + (s.weights[i] as number);
  }
  return out;
}
