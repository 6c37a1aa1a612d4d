#!/usr/bin/env bash
# Deploy command of the release workflow. The deploy action downloads and verifies the registered model
# into $MODEL_DIR and sets MODEL_NAME and MODEL_VERSION. This example "deploys" by checking that the model
# loads and predicts, then publishing it to $DEPLOY_ROOT/<model> (default: ./deployed), standing in for a
# model server.
set -euo pipefail
: "${MODEL_DIR:?MODEL_DIR is not set}" "${MODEL_NAME:?}" "${MODEL_VERSION:?}"
/usr/bin/python3 - "$MODEL_DIR/model.pkl" <<'PY'
import pickle
import sys

import pandas as pd

with open(sys.argv[1], "rb") as handle:
    saved = pickle.load(handle)
row = pd.read_csv("data/reference.csv", nrows=1)[saved["features"]]
print(f"model loads: {len(saved['features'])} features, prediction on one row: {saved['model'].predict(row)[0]}")
PY
target="${DEPLOY_ROOT:-./deployed}/$MODEL_NAME"
mkdir -p "$target"
cp -R "$MODEL_DIR"/. "$target"/
echo "$MODEL_VERSION" > "$target/VERSION"
echo "deployed $MODEL_NAME v$MODEL_VERSION to $target"
