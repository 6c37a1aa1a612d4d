"""Train a breast-cancer classifier from params.yaml and write what the mlops PR check reads.

Outputs (paths relative to this directory):
  metrics.json     accuracy, f1, precision, recall, roc_auc, log_loss, latency_ms {p50, p95}
  model/model.pkl  the fitted scikit-learn estimator (pickle, with the feature list)
  predictions.csv  one row per test example: id, label, prediction, probability, correct

Dataset: Wisconsin Diagnostic Breast Cancer (UCI, CC BY 4.0), shipped with scikit-learn, so there is
no download. Everything is seeded by `seed` in params.yaml: two runs give identical files, except the
latency figures, which are wall-clock measurements.
"""

from __future__ import annotations

import csv
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import yaml
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
LATENCY_SAMPLES = 200
WARMUP_CALLS = 20
CALLS_PER_SAMPLE = 5
MODEL_TYPES = ("logistic_regression", "random_forest")


class ParamsError(Exception):
    """params.yaml is missing a value or holds one of the wrong kind."""


def load_params(path: Path) -> dict:
    """Read params.yaml and check the values train.py relies on."""
    params = yaml.safe_load(path.read_text()) or {}
    if params.get("model") not in MODEL_TYPES:
        raise ParamsError(f"{path.name}: model must be one of {', '.join(MODEL_TYPES)}, got {params.get('model')!r}")
    if not isinstance(params.get("seed"), int):
        raise ParamsError(f"{path.name}: seed must be an integer")
    test_size = params.get("test_size", 0.25)
    if not isinstance(test_size, float) or not 0 < test_size < 1:
        raise ParamsError(f"{path.name}: test_size must be a number between 0 and 1, got {test_size!r}")
    return params


def load_dataset():
    """The breast-cancer table with snake_case column names; target 1 = benign, 0 = malignant."""
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame
    frame.columns = [str(name).replace(" ", "_") for name in frame.columns]
    return frame


def select_features(params: dict, available: list[str]) -> list[str]:
    wanted = params.get("features", "all")
    if wanted == "all":
        return available
    if not isinstance(wanted, list) or not wanted:
        raise ParamsError('params.yaml: features must be "all" or a non-empty list of column names')
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise ParamsError(f"params.yaml: unknown feature(s) {', '.join(map(str, unknown))}")
    return list(wanted)


def build_model(params: dict):
    seed = params["seed"]
    if params["model"] == "logistic_regression":
        return make_pipeline(
            StandardScaler(),
            LogisticRegression(C=float(params.get("C", 1.0)), max_iter=int(params.get("max_iter", 2000)), random_state=seed),
        )
    return RandomForestClassifier(
        n_estimators=int(params.get("n_estimators", 200)),
        max_depth=params.get("max_depth"),
        random_state=seed,
        n_jobs=1,
    )


def measure_latency_ms(model, rows) -> dict[str, float]:
    """Wall-clock time of single-row predictions, the way an online endpoint serves them.

    Each of the LATENCY_SAMPLES samples is the mean of CALLS_PER_SAMPLE calls, after WARMUP_CALLS untimed
    ones, so timer resolution and one-off pauses do not dominate the percentiles.
    """
    single_rows = [rows.iloc[[index]] for index in range(len(rows))]
    for index in range(WARMUP_CALLS):
        model.predict_proba(single_rows[index % len(single_rows)])
    timings = []
    for sample in range(LATENCY_SAMPLES):
        start = time.perf_counter()
        for call in range(CALLS_PER_SAMPLE):
            model.predict_proba(single_rows[(sample * CALLS_PER_SAMPLE + call) % len(single_rows)])
        timings.append((time.perf_counter() - start) * 1000 / CALLS_PER_SAMPLE)
    return {"p50": round(float(np.percentile(timings, 50)), 4), "p95": round(float(np.percentile(timings, 95)), 4)}


def evaluate(labels, predictions, probabilities) -> dict[str, float]:
    return {
        "accuracy": round(float(accuracy_score(labels, predictions)), 6),
        "f1": round(float(f1_score(labels, predictions)), 6),
        "precision": round(float(precision_score(labels, predictions)), 6),
        "recall": round(float(recall_score(labels, predictions)), 6),
        "roc_auc": round(float(roc_auc_score(labels, probabilities)), 6),
        "log_loss": round(float(log_loss(labels, probabilities)), 6),
    }


def write_predictions(path: Path, ids, labels, predictions, probabilities) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "label", "prediction", "probability", "correct"])
        for row in zip(ids, labels, predictions, probabilities):
            example_id, label, prediction, probability = row
            writer.writerow([int(example_id), int(label), int(prediction), f"{probability:.6f}", int(label == prediction)])


def main() -> int:
    params = load_params(HERE / "params.yaml")
    frame = load_dataset()
    features = select_features(params, [name for name in frame.columns if name != "target"])
    train, test = train_test_split(
        frame, test_size=params.get("test_size", 0.25), random_state=params["seed"], stratify=frame["target"]
    )

    model = build_model(params)
    model.fit(train[features], train["target"])
    probabilities = model.predict_proba(test[features])[:, 1]
    predictions = (probabilities >= 0.5).astype(int)

    metrics = evaluate(test["target"], predictions, probabilities)
    metrics["latency_ms"] = measure_latency_ms(model, test[features])

    (HERE / "model").mkdir(exist_ok=True)
    with (HERE / "model" / "model.pkl").open("wb") as handle:
        pickle.dump({"model": model, "features": features, "params": params}, handle)
    (HERE / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_predictions(HERE / "predictions.csv", test.index, test["target"], predictions, probabilities)

    print(f"trained {params['model']} on {len(train)} rows, {len(features)} features; test rows: {len(test)}")
    print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ParamsError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
