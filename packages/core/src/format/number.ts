/**
 * Number formatting for reports: significant digits, never exponent notation for ordinary values, and
 * never a "0" next to a change that is not zero.
 */

/** `x` with `precision` significant digits (default 4), plain decimal notation for 1e-9 ≤ |x| < 1e15. */
export function formatNumber(x: number, options: { precision?: number } = {}): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  if (x === 0) return "0";
  const precision = options.precision ?? 4;
  const abs = Math.abs(x);
  if (abs < 1e-9 || abs >= 1e15) return x.toExponential(precision - 1);
  const magnitude = Math.floor(Math.log10(abs));
  const decimals = Math.max(0, precision - 1 - magnitude);
  const text = x.toFixed(Math.min(decimals, 20));
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** A change with an explicit sign: `+0.0123`, `-4`, `0`. */
export function formatDelta(x: number, options: { precision?: number } = {}): string {
  if (x === 0) return "0";
  const text = formatNumber(x, options);
  return x > 0 ? `+${text}` : text;
}

/** A relative change (0.0123 → `+1.23%`). */
export function formatPercent(relative: number, options: { precision?: number } = {}): string {
  if (relative === 0) return "0%";
  return `${formatDelta(relative * 100, { precision: options.precision ?? 3 })}%`;
}
