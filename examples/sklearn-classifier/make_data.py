"""Write the monitoring data sets data/reference.csv and data/current.csv (run once; both are committed).

reference.csv  the training split (same seed and split as train.py): id, 30 features, target, prediction.
current.csv    "production traffic" drawn from the same dataset with realistic, seeded drift:
               - class balance moves from ~37% to ~55% malignant (a screening campaign),
               - mean_radius and mean_area read larger (a recalibrated imaging device),
               - mean_texture gets extra additive noise,
               - every feature gets 2% multiplicative measurement noise,
               - worst_smoothness is missing in ~10% of the rows (a flaky upstream field).
The prediction column holds what the model trained with params.yaml predicts for each row (missing
values imputed with the reference median, as a serving layer would); target is the label that arrived
later.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from train import HERE, build_model, load_dataset, load_params, select_features

DRIFT_SEED = 2024
CURRENT_ROWS = 400
MALIGNANT_SHARE = 0.55
NULL_COLUMN = "worst_smoothness"
NULL_SHARE = 0.10


def drifted_sample(frame: pd.DataFrame, features: list[str], rng: np.random.Generator) -> pd.DataFrame:
    malignant = frame[frame["target"] == 0]
    benign = frame[frame["target"] == 1]
    n_malignant = round(CURRENT_ROWS * MALIGNANT_SHARE)
    rows = pd.concat(
        [
            malignant.sample(n_malignant, replace=True, random_state=rng.integers(2**31)),
            benign.sample(CURRENT_ROWS - n_malignant, replace=True, random_state=rng.integers(2**31)),
        ]
    )
    rows = rows.sample(frac=1, random_state=rng.integers(2**31)).reset_index(drop=True)
    current = rows.copy()
    current[features] = rows[features] * rng.normal(1.0, 0.02, size=(len(rows), len(features)))
    current["mean_radius"] *= 1.12
    current["mean_area"] *= 1.25
    current["mean_texture"] += rng.normal(2.0, 1.5, size=len(rows))
    missing = rng.random(len(rows)) < NULL_SHARE
    current.loc[missing, NULL_COLUMN] = np.nan
    current[features] = current[features].round(6)
    current.insert(0, "id", range(100_000, 100_000 + len(current)))
    return current


def main() -> None:
    params = load_params(HERE / "params.yaml")
    frame = load_dataset()
    all_features = [name for name in frame.columns if name != "target"]
    features = select_features(params, all_features)
    train, _ = train_test_split(
        frame, test_size=params.get("test_size", 0.25), random_state=params["seed"], stratify=frame["target"]
    )
    model = build_model(params).fit(train[features], train["target"])

    reference = train.copy()
    reference.insert(0, "id", train.index)
    reference["prediction"] = model.predict(train[features])

    current = drifted_sample(frame, all_features, np.random.default_rng(DRIFT_SEED))
    imputed = current[features].fillna(train[features].median())
    current["prediction"] = model.predict(imputed)

    data_dir = HERE / "data"
    data_dir.mkdir(exist_ok=True)
    reference.to_csv(data_dir / "reference.csv", index=False)
    current.to_csv(data_dir / "current.csv", index=False)
    print(f"reference: {len(reference)} rows, malignant share {1 - reference['target'].mean():.2f}")
    print(
        f"current: {len(current)} rows, malignant share {1 - current['target'].mean():.2f}, "
        f"{int(current[NULL_COLUMN].isna().sum())} nulls in {NULL_COLUMN}, "
        f"accuracy {(current['prediction'] == current['target']).mean():.3f}"
    )


if __name__ == "__main__":
    main()
