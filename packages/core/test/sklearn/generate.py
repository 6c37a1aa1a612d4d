"""Reference curves for packages/core/test/plots.test.ts (scikit-learn's own numbers).
Run from packages/core: /usr/bin/python3 test/sklearn/generate.py > test/sklearn/curves.json"""
import json
import numpy as np
from sklearn import metrics
from sklearn.calibration import calibration_curve
from sklearn.preprocessing import label_binarize

rng = np.random.default_rng(16)
out = {"sklearn": __import__("sklearn").__version__, "binary": [], "multiclass": []}


def finite(a):
    return [None if not np.isfinite(v) else float(v) for v in a]


for n, rounding in ((40, 1), (60, 3), (500, 2)):
    y = rng.integers(0, 2, n)
    score = np.clip(np.round(0.35 * y + rng.uniform(0, 0.65, n), rounding), 0, 1)  # rounded: ties happen
    fpr, tpr, roc_thr = metrics.roc_curve(y, score)
    precision, recall, pr_thr = metrics.precision_recall_curve(y, score)
    prob_true, prob_pred = calibration_curve(y, score, n_bins=10)
    out["binary"].append({
        "y": y.tolist(), "score": score.tolist(),
        "roc": {"fpr": finite(fpr), "tpr": finite(tpr), "thresholds": finite(roc_thr)},
        "roc_auc": metrics.auc(fpr, tpr), "roc_auc_score": metrics.roc_auc_score(y, score),
        "pr": {"precision": finite(precision), "recall": finite(recall), "thresholds": finite(pr_thr)},
        "pr_auc": metrics.auc(recall, precision),
        "average_precision": metrics.average_precision_score(y, score),
        "calibration": {"prob_true": finite(prob_true), "prob_pred": finite(prob_pred)},
        "calibration_5": [finite(a) for a in calibration_curve(y, score, n_bins=5)],
    })

y = rng.choice(["cat", "dog", "bird"], 300)
pred = np.where(rng.uniform(size=300) < 0.7, y, rng.choice(["cat", "dog", "bird"], 300))
labels = sorted(set(y) | set(pred))
out["multiclass"].append({
    "y": y.tolist(), "pred": pred.tolist(), "labels": labels,
    "confusion": metrics.confusion_matrix(y, pred, labels=labels).tolist(),
    "precision": metrics.precision_score(y, pred, labels=labels, average=None).tolist(),
    "recall": metrics.recall_score(y, pred, labels=labels, average=None).tolist()})

# One-vs-rest curves of multi-class models (a probability column per class), with a generator of their own
# so the cases above keep their numbers. Case 0: probabilities in steps of 0.05 (ties within and across
# classes); case 1: softmax scores, numeric labels.
rng = np.random.default_rng(161)
out["ovr"] = []
for classes, n in ((["ant", "bee", "cat", "dog"], 200), (["0", "1", "2"], 90)):
    k = len(classes)
    truth = rng.integers(0, k, n)
    if classes[0] == "ant":
        weights = np.full((n, k), 1.0)
        weights[np.arange(n), truth] += 0.8
        units = np.array([rng.multinomial(20, w / w.sum()) for w in weights])
        proba = units / 20
    else:
        logits = rng.normal(size=(n, k))
        logits[np.arange(n), truth] += 1.2
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array(classes)[truth]
    onehot = label_binarize(y, classes=classes)
    per_class = []
    for j, c in enumerate(classes):
        fpr, tpr, roc_thr = metrics.roc_curve(onehot[:, j], proba[:, j])
        precision, recall, pr_thr = metrics.precision_recall_curve(onehot[:, j], proba[:, j])
        per_class.append({
            "class": c, "support": int(onehot[:, j].sum()),
            "roc": {"fpr": finite(fpr), "tpr": finite(tpr), "thresholds": finite(roc_thr)},
            "auc": metrics.roc_auc_score(onehot[:, j], proba[:, j]),
            "pr": {"precision": finite(precision), "recall": finite(recall), "thresholds": finite(pr_thr)},
            "ap": metrics.average_precision_score(onehot[:, j], proba[:, j])})
    fpr, tpr, roc_thr = metrics.roc_curve(onehot.ravel(), proba.ravel())
    out["ovr"].append({
        "y": y.tolist(), "classes": classes, "proba": [finite(proba[:, j]) for j in range(k)],
        "per_class": per_class,
        "macro_auc": metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes),
        "micro_auc": metrics.roc_auc_score(y, proba, multi_class="ovr", average="micro", labels=classes),
        "macro_ap": metrics.average_precision_score(onehot, proba, average="macro"),
        "micro_ap": metrics.average_precision_score(onehot, proba, average="micro"),
        "micro_roc": {"fpr": finite(fpr), "tpr": finite(tpr), "thresholds": finite(roc_thr)}})

print(json.dumps(out))
