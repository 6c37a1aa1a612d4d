import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { missingOf } from "../../../scripts/system-deps.mjs";
import {
  auc,
  averagePrecision,
  calibrationCurve,
  confusionMatrix,
  evenGrid,
  histogram,
  interpolateLinear,
  oneVsRest,
  perClassRates,
  precisionAtRecall,
  precisionRecallCurve,
  rocCurve,
} from "../src/index.js";

interface BinaryCase {
  y: number[];
  score: number[];
  roc: { fpr: number[]; tpr: number[]; thresholds: number[] };
  roc_auc: number;
  roc_auc_score: number;
  pr: { precision: number[]; recall: number[]; thresholds: number[] };
  pr_auc: number;
  average_precision: number;
  calibration: { prob_true: number[]; prob_pred: number[] };
  calibration_5: [number[], number[]];
}
interface Reference {
  sklearn: string;
  binary: BinaryCase[];
  multiclass: {
    y: string[];
    pred: string[];
    labels: string[];
    confusion: number[][];
    precision: number[];
    recall: number[];
  }[];
  ovr: {
    y: string[];
    classes: string[];
    proba: number[][];
    per_class: {
      class: string;
      support: number;
      roc: BinaryCase["roc"];
      auc: number;
      pr: BinaryCase["pr"];
      ap: number;
    }[];
    macro_auc: number;
    micro_auc: number;
    macro_ap: number;
    micro_ap: number;
    micro_roc: BinaryCase["roc"];
  }[];
}

const referenceUrl = new URL("./sklearn/curves.json", import.meta.url);
const reference = JSON.parse(readFileSync(referenceUrl, "utf8")) as Reference;

const close = (actual: readonly number[], expected: readonly number[]) => {
  expect(actual.length).toBe(expected.length);
  for (const [i, a] of actual.entries()) expect(a).toBeCloseTo(expected[i] as number, 12);
};

describe("curves match scikit-learn", () => {
  it.each(reference.binary.map((c, i) => [i, c] as const))("binary case %i: roc_curve, auc", (_, c) => {
    const roc = rocCurve(c.y, c.score);
    close(roc.fpr, c.roc.fpr);
    close(roc.tpr, c.roc.tpr);
    close(roc.thresholds, c.roc.thresholds);
    expect(auc(roc.fpr, roc.tpr)).toBeCloseTo(c.roc_auc, 12);
    expect(auc(roc.fpr, roc.tpr)).toBeCloseTo(c.roc_auc_score, 12);
  });

  it.each(reference.binary.map((c, i) => [i, c] as const))(
    "binary case %i: precision_recall_curve, auc, average_precision_score",
    (_, c) => {
      const pr = precisionRecallCurve(c.y, c.score);
      close(pr.precision, c.pr.precision);
      close(pr.recall, c.pr.recall);
      close(pr.thresholds, c.pr.thresholds);
      expect(auc(pr.recall, pr.precision)).toBeCloseTo(c.pr_auc, 12);
      expect(averagePrecision(pr)).toBeCloseTo(c.average_precision, 12);
    },
  );

  it.each(reference.binary.map((c, i) => [i, c] as const))("binary case %i: calibration_curve", (_, c) => {
    const bins = calibrationCurve(c.y, c.score, 10);
    close(
      bins.map((b) => b.fractionPositive),
      c.calibration.prob_true,
    );
    close(
      bins.map((b) => b.meanPredicted),
      c.calibration.prob_pred,
    );
    const five = calibrationCurve(c.y, c.score, 5);
    close(
      five.map((b) => b.fractionPositive),
      c.calibration_5[0],
    );
    close(
      five.map((b) => b.meanPredicted),
      c.calibration_5[1],
    );
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(c.y.length);
  });

  it("multi-class confusion_matrix and per-class precision/recall", () => {
    const c = reference.multiclass[0] as Reference["multiclass"][number];
    const m = confusionMatrix(c.y, c.pred);
    expect(m.classes).toEqual(c.labels);
    expect(m.counts).toEqual(c.confusion);
    const rates = perClassRates(m);
    close(
      rates.map((r) => r.precision),
      c.precision,
    );
    close(
      rates.map((r) => r.recall),
      c.recall,
    );
  });

  it.each(reference.ovr.map((c, i) => [i, c] as const))(
    "multi-class case %i: one-vs-rest roc_curve, precision_recall_curve, macro/micro roc_auc_score and average_precision_score",
    (_, c) => {
      const ovr = oneVsRest(c.y, c.classes, c.proba);
      expect(ovr.classes.map((k) => k.cls)).toEqual(c.per_class.map((k) => k.class));
      for (const [j, k] of c.per_class.entries()) {
        const mine = ovr.classes[j] as (typeof ovr.classes)[number];
        expect(mine.support).toBe(k.support);
        close(mine.roc.fpr, k.roc.fpr);
        close(mine.roc.tpr, k.roc.tpr);
        close(mine.roc.thresholds, k.roc.thresholds);
        close(mine.pr.precision, k.pr.precision);
        close(mine.pr.recall, k.pr.recall);
        close(mine.pr.thresholds, k.pr.thresholds);
        expect(mine.auc).toBeCloseTo(k.auc, 12);
        expect(mine.ap).toBeCloseTo(k.ap, 12);
      }
      expect(ovr.macroAuc).toBeCloseTo(c.macro_auc, 12);
      expect(ovr.microAuc).toBeCloseTo(c.micro_auc, 12);
      expect(ovr.macroAp).toBeCloseTo(c.macro_ap, 12);
      expect(ovr.microAp).toBeCloseTo(c.micro_ap, 12);
      close(ovr.microRoc.fpr, c.micro_roc.fpr);
      close(ovr.microRoc.tpr, c.micro_roc.tpr);
      close(ovr.microRoc.thresholds, c.micro_roc.thresholds);
    },
  );

  it.skipIf(missingOf("python3-sklearn").length > 0)(
    "the reference file is what this machine's scikit-learn writes (regenerated with python3)",
    () => {
      const run = spawnSync(
        "/usr/bin/python3",
        [new URL("./sklearn/generate.py", import.meta.url).pathname],
        {
          encoding: "utf8",
        },
      );
      expect(run.stderr).toBe("");
      expect(JSON.parse(run.stdout)).toEqual(reference);
    },
  );
});

describe("resampling for charts", () => {
  it("interpolates a ROC curve on an even grid, taking the top of a vertical step", () => {
    const grid = evenGrid(0, 1, 5);
    expect(grid).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // (0,0) → (0,0.5) vertical, → (0.5,1) → (1,1)
    expect(interpolateLinear([0, 0, 0.5, 1], [0, 0.5, 1, 1], grid)).toEqual([0.5, 0.75, 1, 1, 1]);
  });

  it("reads precision at a recall from the step curve average precision sums", () => {
    const pr = { precision: [0.5, 2 / 3, 1, 1], recall: [1, 1, 0.5, 0], thresholds: [0.1, 0.4, 0.8] };
    expect(precisionAtRecall(pr, [0, 0.5, 0.75, 1])).toEqual([1, 1, 2 / 3, 2 / 3]);
  });

  it("histograms like np.histogram (the last bin includes the upper edge)", () => {
    expect(histogram([0, 0.5, 1, 1, 2], 0, 1, 2)).toEqual([1, 3]);
  });
});
