import { readFile } from "node:fs/promises";
import { parse } from "yaml";

/** Hyperparameters of the random forest, read from params.yaml (snake_case, like the file). */
export interface Params {
  /** Seeds the train/test split and the forest. */
  seed: number;
  /** Share of rows held out for evaluation, in (0, 1). */
  test_size: number;
  /** Number of trees. */
  n_estimators: number;
  /** Share (0–1] of the features each tree sees. */
  max_features: number;
  /** Maximum depth of each tree. */
  max_depth: number;
  /** Minimum number of rows in a node for it to be split. */
  min_samples_split: number;
  /** `"all"` or the list of feature columns to train on. */
  features: "all" | string[];
}

/** Thrown when params.yaml is missing a value or holds one of the wrong kind. */
export class ParamsError extends Error {
  override name = "ParamsError";
}

type Check = (value: unknown) => boolean;

const isInteger: Check = (value) => Number.isInteger(value);
const isPositiveInteger: Check = (value) => Number.isInteger(value) && (value as number) > 0;
const isOpenFraction: Check = (value) => typeof value === "number" && value > 0 && value < 1;
const isFraction: Check = (value) => typeof value === "number" && value > 0 && value <= 1;

const CHECKS: Record<Exclude<keyof Params, "features">, [Check, string]> = {
  seed: [isInteger, "an integer"],
  test_size: [isOpenFraction, "a number between 0 and 1"],
  n_estimators: [isPositiveInteger, "a positive integer"],
  max_features: [isFraction, "a number in (0, 1]"],
  max_depth: [isPositiveInteger, "a positive integer"],
  min_samples_split: [isPositiveInteger, "a positive integer"],
};

/** Validates a parsed params document; `fileName` prefixes every error message. */
export function toParams(document: unknown, fileName: string): Params {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new ParamsError(`${fileName}: expected a mapping of parameter names to values`);
  }
  const values = document as Record<string, unknown>;
  for (const [key, [check, expected]] of Object.entries(CHECKS)) {
    if (!check(values[key])) {
      throw new ParamsError(`${fileName}: ${key} must be ${expected}, got ${JSON.stringify(values[key])}`);
    }
  }
  const features = values["features"] ?? "all";
  const isNameList =
    Array.isArray(features) && features.length > 0 && features.every((name) => typeof name === "string");
  if (features !== "all" && !isNameList) {
    throw new ParamsError(`${fileName}: features must be "all" or a non-empty list of column names`);
  }
  const number = (key: keyof typeof CHECKS) => values[key] as number;
  return {
    seed: number("seed"),
    test_size: number("test_size"),
    n_estimators: number("n_estimators"),
    max_features: number("max_features"),
    max_depth: number("max_depth"),
    min_samples_split: number("min_samples_split"),
    features: features as Params["features"],
  };
}

/** Reads and validates params.yaml. */
export async function loadParams(path: string): Promise<Params> {
  return toParams(parse(await readFile(path, "utf8")), path);
}
