import { RandomForestClassifier } from "ml-random-forest";
import type { Dataset } from "./dataset.js";
import type { Params } from "./params.js";

/**
 * File name of the saved model inside model/. Not `model.json`: the registry reserves that release-asset
 * name for its own metadata.
 */
export const MODEL_FILE = "classifier.json";

/** What model/classifier.json holds: enough to reload the forest and feed it the right columns. */
export interface SavedModel {
  format: "ml-random-forest";
  featureNames: string[];
  params: Params;
  forest: ReturnType<RandomForestClassifier["toJSON"]>;
}

/** A trained classifier with the feature columns it expects, in order. */
export interface Classifier {
  featureNames: string[];
  params: Params;
  forest: RandomForestClassifier;
}

/** Trains a seeded random forest (bagged rows, a random share of features per tree) on the dataset. */
export function trainClassifier(train: Dataset, params: Params): Classifier {
  const forest = new RandomForestClassifier({
    nEstimators: params.n_estimators,
    maxFeatures: params.max_features,
    seed: params.seed,
    replacement: true,
    useSampleBagging: true,
    noOOB: true,
    treeOptions: { maxDepth: params.max_depth, minNumSamples: params.min_samples_split },
  });
  forest.train(train.features, train.targets);
  return { featureNames: train.featureNames, params, forest };
}

/**
 * Probability of class 1 for each row: the share of trees voting 1, with add-one (Laplace) smoothing so
 * that a unanimous forest never claims certainty, which would make the log loss infinite on a mistake.
 */
export function predictProbabilities(classifier: Classifier, rows: number[][]): number[] {
  const votes = classifier.forest.predictionValues(rows);
  const trees = votes.columns;
  return votes.to2DArray().map((treeVotes) => {
    const positive = treeVotes.filter((vote) => vote === 1).length;
    return (positive + 1) / (trees + 2);
  });
}

/** Class predictions (1 when the probability of class 1 is at least one half). */
export function predictClasses(probabilities: readonly number[]): number[] {
  return probabilities.map((probability) => (probability >= 0.5 ? 1 : 0));
}

/** The JSON document written to model/classifier.json. */
export function toSavedModel(classifier: Classifier): SavedModel {
  return {
    format: "ml-random-forest",
    featureNames: classifier.featureNames,
    params: classifier.params,
    forest: classifier.forest.toJSON(),
  };
}

/** Rebuilds a classifier from the content of model/classifier.json. */
export function fromSavedModel(saved: SavedModel): Classifier {
  return {
    featureNames: saved.featureNames,
    params: saved.params,
    forest: RandomForestClassifier.load(saved.forest),
  };
}
