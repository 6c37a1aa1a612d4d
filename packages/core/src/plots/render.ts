import { numberLabels, type Series, shortNumber, xyChart } from "../format/mermaid.js";
import { formatNumber, formatPercent } from "../format/number.js";
import type { ReportBuilder } from "../report/builder.js";
import { escapeCell } from "../report/table.js";
import {
  auc,
  averagePrecision,
  calibrationCurve,
  confusionMatrix,
  evenGrid,
  histogram,
  interpolateLinear,
  type OneVsRest,
  oneVsRest,
  perClassRates,
  precisionAtRecall,
  precisionRecallCurve,
  rocCurve,
} from "./curves.js";
import type {
  ClassificationPredictions,
  NoPredictions,
  Predictions,
  RegressionPredictions,
} from "./predictions.js";

/** Points a resampled curve has (Mermaid draws each as a vertex; ≤ 50 keeps the block small and the line smooth). */
export const CURVE_POINTS = 41;
/** Most classes a confusion matrix shows (the most frequent); the rest are counted in a note. */
export const MAX_MATRIX_CLASSES = 12;
/**
 * Most classes a one-vs-rest chart draws (the most frequent): one line each, plus the micro-average and
 * the chance diagonal, is the palette's 7 colours.
 */
export const MAX_CURVE_CLASSES = 5;
/** Classes named where a note lists the ones left out (the rest counted). */
const MAX_NAMED = 20;
const CALIBRATION_BINS = 10;
const RESIDUAL_BINS = 10;
const ERROR_BINS = 12;

export interface PlotSide {
  predictions: Predictions;
  /** Legend name (`candidate`, `baseline v3`). */
  label: string;
}

export interface PredictionPlotsInput {
  head: PlotSide | NoPredictions;
  baseline?: PlotSide | NoPredictions;
  /** Why the baseline has no predictions (said under the plots), when `baseline` is not given. */
  baselineMissing?: string;
}

/** One chart or table of the plots section: its title and markdown. */
export interface PlotSection {
  title: string;
  markdown: string;
}

const isSide = (x: PlotSide | NoPredictions | undefined): x is PlotSide =>
  x !== undefined && "predictions" in x;
const r3 = (x: number) => formatNumber(x, { precision: 3 });

function rocSection(sides: { label: string; p: ClassificationPredictions }[]): PlotSection {
  const grid = evenGrid(0, 1, CURVE_POINTS);
  const series: Series[] = sides.map(({ label, p }) => {
    const bin = p.binary as NonNullable<ClassificationPredictions["binary"]>;
    const roc = rocCurve(bin.labels, bin.scores);
    return {
      kind: "line",
      name: `${label} (AUC ${r3(auc(roc.fpr, roc.tpr))})`,
      values: interpolateLinear(roc.fpr, roc.tpr, grid),
    };
  });
  series.push({ kind: "line", name: "chance", values: grid });
  const positive = sides[0]?.p.binary?.positive ?? "1";
  return {
    title: "ROC curve",
    markdown: xyChart({
      title: `ROC curve (positive class ${positive})`,
      x: { min: 0, max: 1 },
      xTitle: "False positive rate",
      yTitle: "True positive rate",
      y: { min: 0, max: 1 },
      series,
    }),
  };
}

function prSection(sides: { label: string; p: ClassificationPredictions }[]): PlotSection {
  const grid = evenGrid(0, 1, CURVE_POINTS);
  const series: Series[] = sides.map(({ label, p }) => {
    const bin = p.binary as NonNullable<ClassificationPredictions["binary"]>;
    const pr = precisionRecallCurve(bin.labels, bin.scores);
    return {
      kind: "line",
      name: `${label} (AP ${r3(averagePrecision(pr))})`,
      values: precisionAtRecall(pr, grid),
    };
  });
  const first = sides[0]?.p.binary;
  if (first) {
    const prevalence = first.labels.reduce((a, b) => a + b, 0) / first.labels.length;
    series.push({
      kind: "line",
      name: `no skill (prevalence ${r3(prevalence)})`,
      values: grid.map(() => prevalence),
    });
  }
  return {
    title: "Precision–recall curve",
    markdown: xyChart({
      title: "Precision–recall curve",
      x: { min: 0, max: 1 },
      xTitle: "Recall",
      yTitle: "Precision",
      y: { min: 0, max: 1 },
      series,
    }),
  };
}

function calibrationSection(
  sides: { label: string; p: ClassificationPredictions }[],
): PlotSection | undefined {
  const outside = sides.find(({ p }) => p.binary?.scores.some((s) => s < 0 || s > 1));
  if (outside)
    return {
      title: "Calibration",
      markdown: `_No calibration chart: the scores of ${outside.label} are not probabilities (some lie outside [0, 1])._`,
    };
  const curves = sides.map(({ label, p }) => {
    const bin = p.binary as NonNullable<ClassificationPredictions["binary"]>;
    return { label, bins: calibrationCurve(bin.labels, bin.scores, CALIBRATION_BINS) };
  });
  // A line needs a value at every label: only bins where every model has examples are drawn.
  const shared = Array.from({ length: CALIBRATION_BINS }, (_, b) => b).filter((b) =>
    curves.every((c) => c.bins.some((x) => x.bin === b)),
  );
  if (shared.length < 2)
    return {
      title: "Calibration",
      markdown: "_No calibration chart: fewer than two probability bins hold examples of every model._",
    };
  const step = 1 / CALIBRATION_BINS;
  const series: Series[] = curves.map(({ label, bins }) => ({
    kind: "line",
    name: label,
    values: shared.map((b) => bins.find((x) => x.bin === b)?.fractionPositive ?? 0),
  }));
  series.push({ kind: "line", name: "perfectly calibrated", values: shared.map((b) => (b + 0.5) * step) });
  const left = CALIBRATION_BINS - shared.length;
  const rows = shared.map((b) => [
    `${shortNumber(b * step)}–${shortNumber((b + 1) * step)}`,
    ...curves.map(({ bins }) => {
      const x = bins.find((y) => y.bin === b);
      return x ? `${r3(x.fractionPositive)} (n=${x.count})` : "—";
    }),
  ]);
  const table = [
    `| Predicted probability | ${curves.map((c) => `${c.label}: share positive`).join(" | ")} |`,
    `| --- | ${curves.map(() => "---:").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
  return {
    title: "Calibration (reliability)",
    markdown: `${xyChart({
      title: "Calibration: share of positives by predicted probability",
      x: numberLabels(shared.map((b) => (b + 0.5) * step)),
      xTitle: "Predicted probability (bin centre)",
      yTitle: "Share positive",
      y: { min: 0, max: 1 },
      series,
    })}${left > 0 ? `\n\n_${left} of ${CALIBRATION_BINS} probability bins are left out: no examples of ${curves.length > 1 ? "every model" : "the model"} fall in them._` : ""}\n\n${table}`,
  };
}

type MultiSide = { label: string; p: ClassificationPredictions; ovr: OneVsRest };

/** A class label for a legend or note (Markdown text): in backticks, cut at 40 characters. */
const classText = (c: string) => {
  const chars = [...c.replace(/`/g, "'")];
  return `\`${chars.length > 40 ? `${chars.slice(0, 39).join("")}…` : chars.join("")}\``;
};

/** `a`, `b` and `c`, or the first {@link MAX_NAMED} and how many more. */
function nameClasses(classes: string[]): string {
  const named = classes.slice(0, MAX_NAMED).map(classText);
  return classes.length > MAX_NAMED
    ? `${named.join(", ")} and ${classes.length - MAX_NAMED} more`
    : named.join(", ");
}

/** Classes by support (examples across the sides), most first; equal support keeps class order. */
function bySupport(sides: { p: ClassificationPredictions }[], classes: string[]): string[] {
  const support = new Map<string, number>();
  for (const { p } of sides) for (const a of p.actual) support.set(a, (support.get(a) ?? 0) + 1);
  return classes
    .map((c, i) => ({ c, i }))
    .sort((x, y) => (support.get(y.c) ?? 0) - (support.get(x.c) ?? 0) || x.i - y.i)
    .map(({ c }) => c);
}

/** One side's one-vs-rest chart: a line per shown class, the micro-average and the chance diagonal (ROC). */
function ovrChart(side: MultiSide, shown: string[], kind: "roc" | "pr"): string {
  const grid = evenGrid(0, 1, CURVE_POINTS);
  const byClass = new Map(side.ovr.classes.map((c) => [c.cls, c]));
  const series: Series[] = shown
    .filter((c) => byClass.has(c))
    .map((c) => {
      const k = byClass.get(c) as OneVsRest["classes"][number];
      return {
        kind: "line",
        name: kind === "roc" ? `${classText(c)} (AUC ${r3(k.auc)})` : `${classText(c)} (AP ${r3(k.ap)})`,
        values:
          kind === "roc" ? interpolateLinear(k.roc.fpr, k.roc.tpr, grid) : precisionAtRecall(k.pr, grid),
      };
    });
  series.push(
    kind === "roc"
      ? {
          kind: "line",
          name: `micro-average (AUC ${r3(side.ovr.microAuc)})`,
          values: interpolateLinear(side.ovr.microRoc.fpr, side.ovr.microRoc.tpr, grid),
        }
      : {
          kind: "line",
          name: `micro-average (AP ${r3(side.ovr.microAp)})`,
          values: precisionAtRecall(side.ovr.microPr, grid),
        },
  );
  if (kind === "roc") series.push({ kind: "line", name: "chance", values: grid });
  return xyChart({
    title: `${kind === "roc" ? "ROC" : "Precision–recall"}, one-vs-rest: ${side.label}`,
    x: { min: 0, max: 1 },
    xTitle: kind === "roc" ? "False positive rate" : "Recall",
    yTitle: kind === "roc" ? "True positive rate" : "Precision",
    y: { min: 0, max: 1 },
    series,
  });
}

/**
 * Multi-class one-vs-rest curves (scikit-learn's `label_binarize` + `roc_curve` per class): the
 * candidate's ROC chart with a table of every side's per-class AUC and AP and their macro and micro
 * averages, its precision–recall chart, then the baseline's two charts. The charts draw the
 * {@link MAX_CURVE_CLASSES} most frequent classes, the table the {@link MAX_MATRIX_CLASSES} most frequent;
 * the averages cover every class, and what is left out is named.
 */
function oneVsRestSections(sides: MultiSide[]): PlotSection[] {
  const all = sortClassesOf(sides);
  const ranked = bySupport(sides, all);
  const drawn = ranked.slice(0, MAX_CURVE_CLASSES);
  const listed = ranked.slice(0, MAX_MATRIX_CLASSES);
  const head = sides[0] as MultiSide;
  const perSide = sides.map((s) => new Map(s.ovr.classes.map((c) => [c.cls, c])));
  const cell = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "—" : r3(x));
  const headers = [
    "Class",
    "Support",
    ...sides.map((s) => `ROC AUC ${s.label}`),
    ...sides.map((s) => `AP ${s.label}`),
  ];
  const rows = listed.map(
    (c) =>
      `| \`${escapeCell(c)}\` | ${perSide.find((m) => m.has(c))?.get(c)?.support ?? 0} | ${perSide.map((m) => cell(m.get(c)?.auc)).join(" | ")} | ${perSide.map((m) => cell(m.get(c)?.ap)).join(" | ")} |`,
  );
  const average = (name: string, auc: (o: OneVsRest) => number, ap: (o: OneVsRest) => number) =>
    `| **${name}** | ${head.p.actual.length} | ${sides.map((s) => cell(auc(s.ovr))).join(" | ")} | ${sides.map((s) => cell(ap(s.ovr))).join(" | ")} |`;
  const table = [
    `| ${headers.join(" | ")} |`,
    `| --- | ${headers
      .slice(1)
      .map(() => "---:")
      .join(" | ")} |`,
    ...rows,
    average(
      `macro-average (${all.length} classes)`,
      (o) => o.macroAuc,
      (o) => o.macroAp,
    ),
    average(
      "micro-average",
      (o) => o.microAuc,
      (o) => o.microAp,
    ),
  ].join("\n");
  const notes: string[] = [];
  if (drawn.length < all.length)
    notes.push(
      `_The charts draw the ${drawn.length} classes with the most examples; not drawn (${all.length - drawn.length} of ${all.length}): ${nameClasses(ranked.slice(drawn.length))}._`,
    );
  if (listed.length < all.length)
    notes.push(
      `_The table lists the ${listed.length} classes with the most examples; ${all.length - listed.length} more are counted in the averages only._`,
    );
  notes.push(
    "_Each class against all others, scored by its own probability column; macro-average: the mean over classes, micro-average: every (example, class) pair pooled._",
  );
  const sections: PlotSection[] = [
    {
      title: `ROC curves, one-vs-rest (${head.label})`,
      markdown: `${ovrChart(head, drawn, "roc")}\n\n${table}\n\n${notes.join("\n\n")}`,
    },
    {
      title: `Precision–recall curves, one-vs-rest (${head.label})`,
      markdown: ovrChart(head, drawn, "pr"),
    },
  ];
  for (const side of sides.slice(1))
    sections.push({
      title: `ROC and precision–recall curves, one-vs-rest (${side.label})`,
      markdown: `${ovrChart(side, drawn, "roc")}\n\n${ovrChart(side, drawn, "pr")}`,
    });
  return sections;
}

/** Every class with a one-vs-rest curve on any side, in label order. */
function sortClassesOf(sides: MultiSide[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of sides)
    for (const c of s.p.multiclass?.classes ?? [])
      if (!seen.has(c)) {
        seen.add(c);
        out.push(c);
      }
  return out;
}

function matrixTable(p: ClassificationPredictions, classes: string[]): string {
  const m = confusionMatrix(p.actual, p.predicted, p.classes);
  const index = new Map(m.classes.map((c, i) => [c, i]));
  const header = `| actual ↓ · predicted → | ${classes.map((c) => `\`${escapeCell(c)}\``).join(" | ")} |`;
  const rows = classes.map((actual) => {
    const row = m.counts[index.get(actual) as number] as number[];
    const total = row.reduce((a, b) => a + b, 0);
    const cells = classes.map((predicted) => {
      const count = row[index.get(predicted) as number] as number;
      const text = `${count} (${total > 0 ? `${Math.round((count / total) * 100)}%` : "—"})`;
      return actual === predicted ? `**${text}**` : text;
    });
    return `| \`${escapeCell(actual)}\` (${total}) | ${cells.join(" | ")} |`;
  });
  return [header, `| --- | ${classes.map(() => "---:").join(" | ")} |`, ...rows].join("\n");
}

function confusionSection(sides: { label: string; p: ClassificationPredictions }[]): PlotSection {
  const head = sides[0] as { label: string; p: ClassificationPredictions };
  const support = new Map<string, number>();
  for (const { p } of sides) for (const a of p.actual) support.set(a, (support.get(a) ?? 0) + 1);
  const all = [...new Set(sides.flatMap(({ p }) => p.classes))];
  const shown =
    all.length > MAX_MATRIX_CLASSES
      ? [...all].sort((a, b) => (support.get(b) ?? 0) - (support.get(a) ?? 0)).slice(0, MAX_MATRIX_CLASSES)
      : all;
  const order = all.filter((c) => shown.includes(c));
  const parts: string[] = [];
  for (const { label, p } of sides) {
    const accuracy = p.actual.filter((a, i) => a === p.predicted[i]).length / p.actual.length;
    parts.push(
      `**${label}** — ${p.actual.length} examples, accuracy ${formatPercent(accuracy).replace(/^\+/, "")}; each cell: count (share of the actual class).\n\n${matrixTable(p, order)}`,
    );
  }
  const rates = sides.map(
    ({ p }) =>
      new Map(perClassRates(confusionMatrix(p.actual, p.predicted, p.classes)).map((r) => [r.cls, r])),
  );
  const pct = (x: number | undefined) =>
    x === undefined || Number.isNaN(x) ? "—" : `${Math.round(x * 1000) / 10}%`;
  const headers = [
    "Class",
    "Support",
    ...sides.flatMap(({ label }) => [`Recall ${label}`, `Precision ${label}`]),
  ];
  const perClass = [
    `| ${headers.join(" | ")} |`,
    `| --- | ${headers
      .slice(1)
      .map(() => "---:")
      .join(" | ")} |`,
    ...order.map(
      (c) =>
        `| \`${escapeCell(c)}\` | ${rates[0]?.get(c)?.support ?? 0} | ${rates.map((r) => `${pct(r.get(c)?.recall)} | ${pct(r.get(c)?.precision)}`).join(" | ")} |`,
    ),
  ].join("\n");
  parts.push(`Per-class rates:\n\n${perClass}`);
  if (shown.length < all.length)
    parts.push(
      `_${all.length - shown.length} of ${all.length} classes are not shown (the ${MAX_MATRIX_CLASSES} most frequent are)._`,
    );
  return {
    title: `Confusion matrix (${head.label}${sides.length > 1 ? " and baseline" : ""})`,
    markdown: parts.join("\n\n"),
  };
}

function residualSections(sides: { label: string; p: RegressionPredictions }[]): PlotSection[] {
  const residuals = sides.map(({ p }) => p.actual.map((a, i) => a - (p.predicted[i] as number)));
  const predictedAll = sides.flatMap(({ p }) => p.predicted);
  const lo = Math.min(...predictedAll);
  const hi = Math.max(...predictedAll);
  const width = (hi - lo) / RESIDUAL_BINS || 1;
  const binOf = (x: number) => Math.min(RESIDUAL_BINS - 1, Math.floor((x - lo) / width));
  const means = sides.map(({ p }, s) => {
    const sum = new Array<number>(RESIDUAL_BINS).fill(0);
    const n = new Array<number>(RESIDUAL_BINS).fill(0);
    p.predicted.forEach((x, i) => {
      const b = binOf(x);
      sum[b] = (sum[b] as number) + ((residuals[s] as number[])[i] as number);
      n[b] = (n[b] as number) + 1;
    });
    return sum.map((v, b) => ((n[b] as number) > 0 ? v / (n[b] as number) : Number.NaN));
  });
  const shared = Array.from({ length: RESIDUAL_BINS }, (_, b) => b).filter((b) =>
    means.every((m) => !Number.isNaN(m[b] as number)),
  );
  const sections: PlotSection[] = [];
  const stats = sides.map(({ label }, s) => {
    const r = residuals[s] as number[];
    const mae = r.reduce((a, x) => a + Math.abs(x), 0) / r.length;
    const rmse = Math.sqrt(r.reduce((a, x) => a + x * x, 0) / r.length);
    const bias = r.reduce((a, x) => a + x, 0) / r.length;
    return `| ${label} | ${r.length} | ${r3(mae)} | ${r3(rmse)} | ${r3(bias)} |`;
  });
  const table = [
    "| Model | Examples | MAE | RMSE | Mean residual |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...stats,
  ].join("\n");
  if (shared.length >= 2) {
    const all = shared.flatMap((b) => means.map((m) => m[b] as number));
    const span = Math.max(...all.map(Math.abs)) * 1.1 || 1;
    sections.push({
      title: "Residuals vs predicted",
      markdown: `${xyChart({
        title: "Mean residual (actual − predicted) by predicted value",
        x: numberLabels(shared.map((b) => lo + (b + 0.5) * width)),
        xTitle: "Predicted value (bin centre)",
        yTitle: "Mean residual",
        y: { min: -Number(span.toPrecision(2)), max: Number(span.toPrecision(2)) },
        series: [
          ...sides.map(
            ({ label }, s): Series => ({
              kind: "line",
              name: label,
              values: shared.map((b) => (means[s] as number[])[b] as number),
            }),
          ),
          { kind: "line", name: "zero", values: shared.map(() => 0) },
        ],
      })}\n\n${table}`,
    });
  } else sections.push({ title: "Residuals", markdown: table });
  const allResiduals = residuals.flat();
  const rlo = Math.min(...allResiduals);
  const rhi = Math.max(...allResiduals);
  const edges = evenGrid(rlo, rhi, ERROR_BINS + 1);
  // Bin centres: short labels that do not crowd the axis (ranges like `-0.99…-0.5` overlap at 12 bins).
  const labels = numberLabels(edges.slice(0, -1).map((e, i) => (e + (edges[i + 1] as number)) / 2));
  sections.push({
    title: "Error distribution",
    markdown: xyChart({
      title: "Distribution of residuals (share of examples)",
      x: labels,
      xTitle: "Residual (actual − predicted), bin centre",
      yTitle: "Share of examples",
      series: sides.map(({ label }, s) => {
        const r = residuals[s] as number[];
        return {
          kind: "line",
          name: label,
          values: histogram(r, rlo, rhi, ERROR_BINS).map((c) => c / r.length),
        };
      }),
    }),
  });
  return sections;
}

/**
 * The plots of the PR comment from per-example predictions, candidate against baseline: ROC and
 * precision–recall curves, confusion matrix and calibration (classification); residuals vs predicted and
 * the error distribution (regression). Curves are resampled on an even grid of {@link CURVE_POINTS} points
 * (linear between ROC vertices; the precision–recall step curve). Returns the sections in display order
 * and the notes (what could not be drawn and why).
 */
export function predictionPlots(input: PredictionPlotsInput): { sections: PlotSection[]; notes: string[] } {
  const notes: string[] = [];
  if (!isSide(input.head)) return { sections: [], notes: [`No plots: ${input.head.missing}.`] };
  const head = input.head;
  let baseline = isSide(input.baseline) ? input.baseline : undefined;
  if (input.baseline && !isSide(input.baseline))
    notes.push(`The baseline is not plotted: ${input.baseline.missing}.`);
  else if (!input.baseline && input.baselineMissing)
    notes.push(`The baseline is not plotted: ${input.baselineMissing}.`);
  if (baseline && baseline.predictions.task !== head.predictions.task) {
    notes.push(
      `The baseline is not plotted: its predictions read as ${baseline.predictions.task}, the candidate's as ${head.predictions.task}.`,
    );
    baseline = undefined;
  }
  const sides = [head, ...(baseline ? [baseline] : [])];
  if (head.predictions.task === "regression")
    return {
      sections: residualSections(
        sides.map((s) => ({ label: s.label, p: s.predictions as RegressionPredictions })),
      ),
      notes,
    };
  const cls = sides.map((s) => ({ label: s.label, p: s.predictions as ClassificationPredictions }));
  const sections: PlotSection[] = [];
  const withCurves = cls.filter((s) => s.p.binary);
  for (const s of cls) if (s.p.noCurves) notes.push(`${s.label}: ${s.p.noCurves}.`);
  if (withCurves.length > 0) {
    sections.push(rocSection(withCurves), prSection(withCurves));
  }
  const multi: MultiSide[] = cls.flatMap((s) => {
    const m = s.p.multiclass;
    return m ? [{ ...s, ovr: oneVsRest(s.p.actual, m.classes, m.scores) }] : [];
  });
  for (const { label, p } of multi) {
    const m = p.multiclass as NonNullable<ClassificationPredictions["multiclass"]>;
    if (m.unnormalised)
      notes.push(
        `${label}: the class scores of ${p.file} do not sum to 1 (line ${m.unnormalised.line}: ${formatNumber(m.unnormalised.sum, { precision: 4 })}); the one-vs-rest curves rank each class's own score all the same.`,
      );
    if (m.unused.length > 0)
      notes.push(
        `${label}: no example of ${p.file} has the class of ${m.unused.length === 1 ? "column" : "columns"} ${m.unused
          .slice(0, MAX_NAMED)
          .map((c) => `\`${c.replace(/`/g, "'")}\``)
          .join(
            ", ",
          )}${m.unused.length > MAX_NAMED ? ` and ${m.unused.length - MAX_NAMED} more` : ""}; not drawn.`,
      );
  }
  if (multi.length > 0) sections.push(...oneVsRestSections(multi));
  sections.push(confusionSection(cls));
  if (withCurves.length > 0) {
    const calibration = calibrationSection(withCurves);
    if (calibration) sections.push(calibration);
  }
  return { sections, notes };
}

/** Adds plot sections to a report: the first open, the rest collapsed; all expendable (cut first when over budget, with a note). */
export function addPlotSections(
  report: ReportBuilder,
  sections: readonly PlotSection[],
  notes: readonly string[] = [],
): void {
  sections.forEach((section, i) => {
    const options = { priority: -1 - i / 100, dropNote: "Plots left out" };
    if (i === 0) report.markdown(`**${section.title}**\n\n${section.markdown}`, options);
    else report.details(section.title, (inner) => inner.markdown(section.markdown), options);
  });
  if (notes.length > 0)
    report.markdown(notes.map((n) => `_${n}_`).join("\n\n"), { priority: -1, dropNote: "Plots left out" });
}
