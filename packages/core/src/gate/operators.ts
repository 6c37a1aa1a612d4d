/**
 * The comparison operators of gate rules, in one table: the tokenizer, the parser, the AST type and the
 * evaluator all read it. To add an operator, add a row here (and a case to the operator test); see
 * CONTRIBUTING.md "How to add a rule operator".
 */
export interface ComparatorSpec {
  /** Whether `value <op> threshold` holds. */
  holds: (value: number, threshold: number) => boolean;
  /** Message verb when the rule holds (`f1 = 0.9 is at least 0.8`). */
  passVerb: string;
  /** Message verb when it does not (`f1 = 0.7 is below 0.8`). */
  failVerb: string;
  /**
   * For `significant` rules: whether the regression is significant, given the bootstrap interval of the
   * change of the mean (`low`, `high`) and the allowed change `margin` (threshold − baseline).
   */
  significantlyFails: (
    ci: { low: number; high: number },
    margin: number,
    value: number,
    threshold: number,
  ) => boolean;
}

export const COMPARATORS = {
  ">=": {
    holds: (a, b) => a >= b,
    passVerb: "is at least",
    failVerb: "is below",
    significantlyFails: (ci, margin) => ci.high < margin,
  },
  "<=": {
    holds: (a, b) => a <= b,
    passVerb: "is at most",
    failVerb: "is above",
    significantlyFails: (ci, margin) => ci.low > margin,
  },
  ">": {
    holds: (a, b) => a > b,
    passVerb: "is above",
    failVerb: "is not above",
    significantlyFails: (ci, margin) => ci.high <= margin,
  },
  "<": {
    holds: (a, b) => a < b,
    passVerb: "is below",
    failVerb: "is not below",
    significantlyFails: (ci, margin) => ci.low >= margin,
  },
  "==": {
    holds: (a, b) => a === b,
    passVerb: "equals",
    failVerb: "differs from",
    significantlyFails: (_ci, _margin, value, threshold) => value !== threshold,
  },
  "!=": {
    holds: (a, b) => a !== b,
    passVerb: "differs from",
    failVerb: "equals",
    significantlyFails: (_ci, _margin, value, threshold) => value === threshold,
  },
} as const satisfies Record<string, ComparatorSpec>;

/** A comparison operator a rule may use. */
export type Comparator = keyof typeof COMPARATORS;

/** The operators in table order (`>=, <=, >, <, ==, !=`). */
export const COMPARATOR_NAMES = Object.keys(COMPARATORS) as Comparator[];

/** Whether `op` is a comparison operator of the table. */
export const isComparator = (op: string): op is Comparator => Object.hasOwn(COMPARATORS, op);

/** One arithmetic operator of a rule's right-hand side. */
export interface ArithmeticSpec {
  /** Binding strength: higher binds tighter (`*` over `+`); operators of one precedence associate left. */
  precedence: number;
  apply: (left: number, right: number) => number;
}

/**
 * The arithmetic operators of the right-hand side, in one table: the tokenizer, the parser (precedence
 * climbing over the precedences here), the formatter and the evaluator read it.
 */
export const ARITHMETIC = {
  "+": { precedence: 1, apply: (a, b) => a + b },
  "-": { precedence: 1, apply: (a, b) => a - b },
  "*": { precedence: 2, apply: (a, b) => a * b },
  "/": { precedence: 2, apply: (a, b) => a / b },
} as const satisfies Record<string, ArithmeticSpec>;

/** An arithmetic operator a rule's right-hand side may use. */
export type ArithmeticOperator = keyof typeof ARITHMETIC;

/** Whether `op` is an arithmetic operator of the table. */
export const isArithmetic = (op: string): op is ArithmeticOperator => Object.hasOwn(ARITHMETIC, op);

/** The distinct precedences, loosest first. */
export const PRECEDENCES = [...new Set(Object.values(ARITHMETIC).map((o) => o.precedence))].sort(
  (a, b) => a - b,
);

/** Precedence of unary minus: tighter than every binary operator. */
export const NEGATE_PRECEDENCE = Math.max(...PRECEDENCES) + 1;
