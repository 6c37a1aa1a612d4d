"""Export the Wisconsin Diagnostic Breast Cancer dataset (shipped with scikit-learn) to data/breast_cancer.csv.

Run once with the Debian Python (`/usr/bin/python3 scripts/export_dataset.py`); the CSV is committed so the
TypeScript example needs no Python. Source: UCI Machine Learning Repository, CC BY 4.0.
Column names are the scikit-learn feature names in snake_case; `target` is 1 for benign, 0 for malignant.
"""

import csv
from pathlib import Path

from sklearn.datasets import load_breast_cancer

OUT = Path(__file__).resolve().parent.parent / "data" / "breast_cancer.csv"


def main() -> None:
    bunch = load_breast_cancer()
    names = [name.replace(" ", "_") for name in bunch.feature_names]
    with OUT.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", *names, "target"])
        for index, (row, target) in enumerate(zip(bunch.data, bunch.target)):
            writer.writerow([index, *(repr(float(value)) for value in row), int(target)])
    print(f"wrote {OUT} ({len(bunch.target)} rows, {len(names)} features)")


if __name__ == "__main__":
    main()
