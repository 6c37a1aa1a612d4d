import { type Dataset, subset } from "./dataset.js";
import { seededRandom, shuffled } from "./random.js";

/** A train/test partition of one dataset. */
export interface Split {
  train: Dataset;
  test: Dataset;
}

/**
 * Splits a dataset into train and test sets, stratified by target so both keep the class balance.
 * Each class contributes `ceil(classSize * testSize)` test rows; the order is seeded.
 */
export function stratifiedSplit(dataset: Dataset, testSize: number, seed: number): Split {
  const random = seededRandom(seed);
  const classes = [...new Set(dataset.targets)].sort((a, b) => a - b);
  const trainPositions: number[] = [];
  const testPositions: number[] = [];
  for (const label of classes) {
    const positions = dataset.targets.flatMap((target, position) => (target === label ? [position] : []));
    const order = shuffled(positions, random);
    const testCount = Math.ceil(order.length * testSize);
    testPositions.push(...order.slice(0, testCount));
    trainPositions.push(...order.slice(testCount));
  }
  const byPosition = (a: number, b: number) => a - b;
  return {
    train: subset(dataset, trainPositions.sort(byPosition)),
    test: subset(dataset, testPositions.sort(byPosition)),
  };
}
