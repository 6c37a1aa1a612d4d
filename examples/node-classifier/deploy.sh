#!/usr/bin/env bash
# Deploy command of the release workflow. The deploy action downloads and verifies the registered model
# into $MODEL_DIR and sets MODEL_NAME and MODEL_VERSION. This example "deploys" by checking that the model
# loads and publishing it to $DEPLOY_ROOT/<model> (default: ./deployed), standing in for a model server.
set -euo pipefail
: "${MODEL_DIR:?MODEL_DIR is not set}" "${MODEL_NAME:?}" "${MODEL_VERSION:?}"
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const saved = JSON.parse(readFileSync(process.argv[1], "utf8"));
  if (saved.format !== "ml-random-forest") throw new Error("not a node-classifier model");
  console.log(`model loads: ${saved.featureNames.length} features, ${saved.params.n_estimators} trees`);
' "$MODEL_DIR/classifier.json"
target="${DEPLOY_ROOT:-./deployed}/$MODEL_NAME"
mkdir -p "$target"
cp -R "$MODEL_DIR"/. "$target"/
echo "$MODEL_VERSION" > "$target/VERSION"
echo "deployed $MODEL_NAME v$MODEL_VERSION to $target"
