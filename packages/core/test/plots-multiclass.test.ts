/**
 * Multi-class prediction plots (issue 16's gap): one-vs-rest ROC and precision–recall curves per class from
 * a probability column per class, the per-class and macro/micro-averaged AUC and AP, and the class cap that
 * keeps the PR comment under GitHub's limit. The numbers themselves are checked against scikit-learn in
 * plots.test.ts (`oneVsRest`); here: that the charts and the table show those numbers.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CURVE_POINTS,
  evenGrid,
  InputError,
  interpolateLinear,
  MAX_CURVE_CLASSES,
  MAX_MATRIX_CLASSES,
  measure,
  mermaidBlocks,
  mulberry32,
  oneVsRest,
  PR_COMMENT_BUDGET,
  type Predictions,
  parseConfig,
  parsePredictions,
  precisionAtRecall,
  predictionPlots,
  predictionPlotsOf,
  renderGateReport,
  runGate,
} from "../src/index.js";

/** A seeded k-class model: softmax scores, `skill` added to the true class's logit. */
function multiclassCsv(
  classes: string[],
  n: number,
  skill: number,
  seed: number,
  prefix = "proba_",
  weights?: number[],
): string {
  const random = mulberry32(seed);
  const lines = [`id,label,prediction,${classes.map((c) => `${prefix}${c}`).join(",")}`];
  const total = (weights ?? classes.map(() => 1)).reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) {
    let u = random() * total;
    let truth = 0;
    while (truth < classes.length - 1 && u >= (weights?.[truth] ?? 1)) {
      u -= weights?.[truth] ?? 1;
      truth++;
    }
    const logits = classes.map((_, k) => random() * 2 + (k === truth ? skill : 0));
    const exp = logits.map(Math.exp);
    const sum = exp.reduce((a, b) => a + b, 0);
    const proba = exp.map((e) => Math.round((e / sum) * 1e6) / 1e6);
    proba[0] = Math.round((1 - proba.slice(1).reduce((a, b) => a + b, 0)) * 1e6) / 1e6;
    const predicted = proba.indexOf(Math.max(...proba));
    lines.push(`e${i},${classes[truth]},${classes[predicted]},${proba.join(",")}`);
  }
  return `${lines.join("\n")}\n`;
}

const read = (text: string, file = "predictions.csv", columns = {}) => {
  const parsed = parsePredictions(text, file, columns);
  if (!("task" in parsed)) throw new Error(parsed.missing);
  if (parsed.task !== "classification") throw new Error("classification expected");
  return parsed;
};

/** The numbers of the n-th `line [...]` of a Mermaid block. */
function lineValues(block: string, n: number): number[] {
  const lines = block.split("\n").filter((l) => l.trim().startsWith("line ["));
  return JSON.parse((lines[n] as string).trim().slice(5)) as number[];
}

const r3 = (x: number) => String(Number(x.toPrecision(3)));

describe("multi-class one-vs-rest plots", () => {
  const classes = ["bird", "cat", "dog"];
  const head = read(multiclassCsv(classes, 300, 1.5, 1, "proba_", [1, 2, 3]));
  const base = read(multiclassCsv(classes, 300, 0.6, 2, "proba_", [1, 2, 3]));

  it("reads a probability column per class", () => {
    expect(head.multiclass?.classes).toEqual(classes);
    expect(head.multiclass?.columns).toEqual(["proba_bird", "proba_cat", "proba_dog"]);
    expect(head.multiclass?.scores).toHaveLength(3);
    expect(head.multiclass?.unnormalised).toBeUndefined();
    expect(head.noCurves).toBeUndefined();
  });

  it("draws each class's ROC and precision–recall curve, candidate and baseline, with AUC/AP per class and averaged", () => {
    const { sections, notes } = predictionPlots({
      head: { predictions: head, label: "candidate" },
      baseline: { predictions: base, label: "baseline" },
    });
    expect(notes).toEqual([]);
    expect(sections.map((s) => s.title)).toEqual([
      "ROC curves, one-vs-rest (candidate)",
      "Precision–recall curves, one-vs-rest (candidate)",
      "ROC and precision–recall curves, one-vs-rest (baseline)",
      "Confusion matrix (candidate and baseline)",
    ]);
    const m = head.multiclass as NonNullable<typeof head.multiclass>;
    const ovr = oneVsRest(head.actual, m.classes, m.scores);
    const grid = evenGrid(0, 1, CURVE_POINTS);
    const [roc] = mermaidBlocks(sections[0]?.markdown ?? "");
    // Lines in support order (dog 3×, cat 2×, bird 1×), then the micro-average and the chance diagonal.
    const order = ["dog", "cat", "bird"];
    for (const [n, cls] of order.entries()) {
      const k = ovr.classes.find((c) => c.cls === cls);
      if (!k) throw new Error(cls);
      const expected = interpolateLinear(k.roc.fpr, k.roc.tpr, grid);
      for (const [i, v] of lineValues(roc as string, n).entries())
        expect(v).toBeCloseTo(expected[i] as number, 3);
      expect(sections[0]?.markdown).toContain(`\`${cls}\` (AUC ${r3(k.auc)})`);
    }
    const micro = interpolateLinear(ovr.microRoc.fpr, ovr.microRoc.tpr, grid);
    for (const [i, v] of lineValues(roc as string, 3).entries()) expect(v).toBeCloseTo(micro[i] as number, 3);
    expect(lineValues(roc as string, 4)).toEqual(grid);
    // Precision–recall: the step curve average precision sums.
    const [pr] = mermaidBlocks(sections[1]?.markdown ?? "");
    const dog = ovr.classes.find((c) => c.cls === "dog");
    if (!dog) throw new Error("dog");
    const dogPr = precisionAtRecall(dog.pr, grid);
    for (const [i, v] of lineValues(pr as string, 0).entries()) expect(v).toBeCloseTo(dogPr[i] as number, 3);
    expect(sections[1]?.markdown).toContain(`\`dog\` (AP ${r3(dog.ap)})`);
    // The table: every class and both averages, candidate and baseline.
    const bm = base.multiclass as NonNullable<typeof base.multiclass>;
    const baseOvr = oneVsRest(base.actual, bm.classes, bm.scores);
    const md = sections[0]?.markdown ?? "";
    expect(md).toContain(
      "| Class | Support | ROC AUC candidate | ROC AUC baseline | AP candidate | AP baseline |",
    );
    expect(md).toContain(
      `| **macro-average (3 classes)** | 300 | ${r3(ovr.macroAuc)} | ${r3(baseOvr.macroAuc)} | ${r3(ovr.macroAp)} | ${r3(baseOvr.macroAp)} |`,
    );
    expect(md).toContain(
      `| **micro-average** | 300 | ${r3(ovr.microAuc)} | ${r3(baseOvr.microAuc)} | ${r3(ovr.microAp)} | ${r3(baseOvr.microAp)} |`,
    );
    expect(md).toContain(`| \`dog\` | ${dog.support} | ${r3(dog.auc)} |`);
    // The better model has the larger averages; the baseline's section has its own two charts.
    expect(ovr.macroAuc).toBeGreaterThan(baseOvr.macroAuc);
    expect(mermaidBlocks(sections[2]?.markdown ?? "")).toHaveLength(2);
    expect(sections[2]?.markdown).toContain(`micro-average (AUC ${r3(baseOvr.microAuc)})`);
  });

  it("caps the classes drawn and listed, names those left out, and stays under GitHub's comment limit", () => {
    const many = Array.from({ length: 40 }, (_, i) => `class_${String(i).padStart(2, "0")}`);
    // Support falls with the index: class_00 is the most frequent.
    const weights = many.map((_, i) => 40 - i);
    const p = read(multiclassCsv(many, 2000, 1, 3, "probability_", weights));
    const b = read(multiclassCsv(many, 2000, 0.5, 4, "probability_", weights));
    const plots = predictionPlots({
      head: { predictions: p, label: "candidate" },
      baseline: { predictions: b, label: "baseline" },
    });
    const md = plots.sections[0]?.markdown ?? "";
    const [roc] = mermaidBlocks(md);
    expect((roc as string).split("\n").filter((l) => l.trim().startsWith("line ["))).toHaveLength(
      MAX_CURVE_CLASSES + 2,
    );
    const m = p.multiclass as NonNullable<typeof p.multiclass>;
    const ovr = oneVsRest(p.actual, m.classes, m.scores);
    // Ranked by examples of both sides (candidate and baseline), ties in class order.
    const bm = b.multiclass as NonNullable<typeof b.multiclass>;
    const baseSupport = new Map(
      oneVsRest(b.actual, bm.classes, bm.scores).classes.map((k) => [k.cls, k.support]),
    );
    const both = (cls: string) =>
      (ovr.classes.find((k) => k.cls === cls)?.support ?? 0) + (baseSupport.get(cls) ?? 0);
    const ranked = [...ovr.classes].sort((x, y) => both(y.cls) - both(x.cls) || x.cls.localeCompare(y.cls));
    for (const k of ranked.slice(0, MAX_CURVE_CLASSES)) expect(md).toContain(`\`${k.cls}\` (AUC`);
    expect(md).toContain(
      `not drawn (${40 - MAX_CURVE_CLASSES} of 40): ${ranked
        .slice(MAX_CURVE_CLASSES, MAX_CURVE_CLASSES + 20)
        .map((k) => `\`${k.cls}\``)
        .join(", ")} and ${40 - MAX_CURVE_CLASSES - 20} more`,
    );
    const tableRows = md.split("\n").filter((l) => /^\| `class_\d\d` \|/.test(l));
    expect(tableRows).toHaveLength(MAX_MATRIX_CLASSES);
    expect(md).toContain(`${40 - MAX_MATRIX_CLASSES} more are counted in the averages only`);
    expect(md).toContain(`| **macro-average (40 classes)** | 2000 | ${r3(ovr.macroAuc)} |`);
    // The whole PR comment: within GitHub's 65,536 characters with every plot kept.
    const metrics = { accuracy: 0.8, f1: 0.7 };
    const report = renderGateReport(
      { model: "m", run: runGate({ head: metrics, rules: [] }), head: metrics, baseline: metrics, plots },
      { reserve: 200 },
    );
    expect(measure(report, "chars")).toBeLessThanOrEqual(PR_COMMENT_BUDGET.limit);
    expect(report).not.toContain("Plots left out");
    expect(mermaidBlocks(report)).toHaveLength(4);
  });

  it("says so when the class scores do not sum to 1 and when a column's class has no example", () => {
    const text =
      "label,prediction,proba_a,proba_b,proba_c,proba_d\na,a,0.9,0.2,0.1,0\nb,b,0.1,0.7,0.2,0\nc,c,0.1,0.1,0.8,0\na,b,0.3,0.6,0.1,0\n";
    const p = read(text, "p.csv");
    expect(p.multiclass?.unnormalised).toEqual({ line: 2, sum: expect.closeTo(1.2, 12) });
    expect(p.multiclass?.unused).toEqual(["proba_d"]);
    const { notes } = predictionPlots({ head: { predictions: p, label: "candidate" } });
    expect(notes).toEqual([
      "candidate: the class scores of p.csv do not sum to 1 (line 2: 1.2); the one-vs-rest curves rank each class's own score all the same.",
      "candidate: no example of p.csv has the class of column `proba_d`; not drawn.",
    ]);
  });
});

describe("parsePredictions: per-class probability columns", () => {
  const text = "label,prediction,p_x,p_y,p_z\nx,x,0.8,0.1,0.1\ny,z,0.2,0.3,0.5\nz,z,0.1,0.1,0.8\n";

  it("reads the prefix named in mlops.yml (predictions.class_scores)", () => {
    const p = read(text, "p.csv", { class_scores: "p_" });
    expect(p.multiclass?.columns).toEqual(["p_x", "p_y", "p_z"]);
    expect(p.multiclass?.scores[2]).toEqual([0.1, 0.5, 0.8]);
  });

  it("without the prefix configured, says which columns it looked for", () => {
    const p = read(text, "p.csv");
    expect(p.multiclass).toBeUndefined();
    expect(p.noCurves).toBe(
      "p.csv has 3 classes but no score column per class (looked for probability_<class>, proba_<class>, prob_<class>, score_<class>; name the prefix under predictions.class_scores in mlops.yml), so there are no one-vs-rest ROC or precision–recall curves",
    );
    const { sections, notes } = predictionPlots({ head: { predictions: p, label: "candidate" } });
    expect(sections.map((s) => s.title)).toEqual(["Confusion matrix (candidate)"]);
    expect(notes).toEqual([`candidate: ${p.noCurves}.`]);
  });

  it("a class without its column: an error when the prefix is configured, a note when it was guessed", () => {
    const partial = "label,prediction,proba_x,proba_y\nx,x,0.8,0.1\ny,z,0.2,0.3\nz,z,0.1,0.1\n";
    expect(() => parsePredictions(partial, "p.csv", { class_scores: "proba_" })).toThrow(
      expect.objectContaining({
        name: InputError.name,
        message:
          'p.csv has no column "proba_<class>" for 1 of its 3 classes (z; mlops.yml predictions.class_scores)',
        position: { file: "p.csv", line: 1 },
      }),
    );
    expect(() => parsePredictions(text, "p.csv", { class_scores: "proba_" })).toThrow(
      /p\.csv has no column starting with "proba_" \(mlops\.yml predictions\.class_scores\); columns: label, prediction, p_x/,
    );
    expect(read(partial, "p.csv").noCurves).toBe(
      'p.csv has 3 classes but no "proba_<class>" column for z, so there are no one-vs-rest ROC or precision–recall curves',
    );
  });

  it("refuses a class score that is not a number, naming the file and line", () => {
    expect(() =>
      parsePredictions(
        "label,prediction,proba_x,proba_y,proba_z\nx,x,0.8,0.1,0.1\ny,y,0.2,,0.8\nz,z,0,0,1\n",
        "p.csv",
      ),
    ).toThrow(expect.objectContaining({ position: { file: "p.csv", line: 3 } }));
  });

  it("binary without a score column: the positive class's own probability column is its score", () => {
    const p = read(
      "label,prediction,proba_0,proba_1\n1,1,0.2,0.8\n0,0,0.7,0.3\n1.0,0,0.6,0.4\n",
    ) as Predictions;
    if (p.task !== "classification") throw new Error("classification expected");
    expect(p.binary).toEqual({ positive: "1", labels: [1, 0, 1], scores: [0.8, 0.3, 0.4] });
    expect(p.multiclass).toBeUndefined();
  });
});

describe("mlops.yml predictions.class_scores", () => {
  it("is accepted by the config schema and names the columns the gate's plots read", () => {
    const config = parseConfig(
      `version: 1
models:
  - name: iris
    per_example: predictions.csv
    predictions: { label: species, prediction: guess, class_scores: "p_" }
`,
      "mlops.yml",
    );
    const dir = mkdtempSync(join(tmpdir(), "plots-multiclass-"));
    try {
      const file = join(dir, "predictions.csv");
      writeFileSync(
        file,
        "species,guess,p_x,p_y,p_z\nx,x,0.8,0.1,0.1\ny,z,0.2,0.3,0.5\nz,z,0.1,0.1,0.8\ny,y,0.1,0.8,0.1\n",
      );
      const plots = predictionPlotsOf({
        model: config.models[0],
        candidate: file,
        baseline: undefined,
        baselineLabel: undefined,
        log: { info: () => {} },
      });
      expect(plots?.sections.map((s) => s.title)).toEqual([
        "ROC curves, one-vs-rest (candidate)",
        "Precision–recall curves, one-vs-rest (candidate)",
        "Confusion matrix (candidate)",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() =>
      parseConfig(
        `version: 1
models:
  - name: iris
    predictions: { class_scores: "" }
`,
        "mlops.yml",
      ),
    ).toThrow(/models\[0\]\.predictions\.class_scores: Too small/);
  });
});
