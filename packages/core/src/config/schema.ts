import * as z from "zod";
import { isValidName, MODEL_NAME_PATTERN, MODEL_NAME_RULE } from "../names/model-name.js";

const PERCENT = /^\d+(\.\d+)?%$/;

const amount = z
  .union([
    z.number().nonnegative(),
    z.string().regex(PERCENT, { message: 'expected a number or a percentage like "2%"' }),
  ])
  .describe('An absolute amount (0.005) or a share of the baseline ("2%").');

export const metricSpecSchema = z
  .object({
    goal: z.enum(["maximize", "minimize"]).describe("Whether bigger or smaller is better.").optional(),
    unit: z.string().describe("Unit shown in reports, e.g. ms.").optional(),
    precision: z.number().int().min(1).max(15).describe("Significant digits shown in reports.").optional(),
    tolerance: amount.describe("Changes within this amount count as unchanged.").optional(),
  })
  .strict();

const structuredRule = z
  .object({
    min: z.number().describe("The metric must be at least this.").optional(),
    max: z.number().describe("The metric must be at most this.").optional(),
    max_regression: amount.describe("How far the metric may get worse than the baseline.").optional(),
  })
  .strict();

/**
 * Entries of a list that are found by name (models, a model's environments) must have distinct names:
 * otherwise the first would silently win and the second be ignored.
 */
function uniqueNames(what: string, list: string) {
  return (items: readonly { name: string }[], ctx: z.RefinementCtx): void => {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      const earlier = first.get(item.name);
      if (earlier === undefined) first.set(item.name, i);
      else
        ctx.addIssue({
          code: "custom",
          path: [i, "name"],
          message: `${what} "${item.name}" is declared twice (also ${list}[${earlier}]); each ${what} needs its own name`,
        });
    });
  };
}

const environment = z
  .object({
    name: z.string().min(1).describe("Environment name, as in Settings → Environments."),
    url: z.string().describe("URL of the deployed model.").optional(),
    command: z.string().describe("Deploy command for this environment.").optional(),
    health_check: z.string().describe("Health-check command after deploying.").optional(),
    require_protection: z
      .boolean()
      .describe(
        "Refuse to deploy to (and move the alias of) this environment unless its GitHub environment has required reviewers (Settings → Environments → Required reviewers). Needs `actions: read` for the deploy job's token.",
      )
      .optional(),
  })
  .strict();

/**
 * Names of the drift tests `monitoring.stattest*` accepts. Their implementations are the table
 * `DRIFT_TEST_TABLE` in packages/monitor/src/compare.ts, typed by this list (a name without an
 * implementation does not compile). See CONTRIBUTING.md "How to add a drift test".
 */
export const DRIFT_TEST_NAMES = ["ks", "wasserstein", "psi", "jensenshannon", "chisquare", "z"] as const;
export type DriftTestName = (typeof DRIFT_TEST_NAMES)[number];

const stattest = z.enum(DRIFT_TEST_NAMES);

const DELIMITER_NAMES = ["whitespace", "tab", "comma", "semicolon", "pipe", "space"] as const;

const monitoring = z
  .object({
    reference: z.string().describe("Reference data or profile, or `registry`.").optional(),
    current: z.array(z.string()).describe("Current data files (globs).").optional(),
    delimiter: z
      .union([
        z.enum(DELIMITER_NAMES),
        z.string().regex(/^[^"\r\n]$/, { message: 'expected one character such as ",", ";", "|" or a tab' }),
      ])
      .describe(
        'Field delimiter of CSV data: one character (",", ";", "|", a tab) or `whitespace` (runs of spaces and tabs, as numpy\'s `savetxt` writes). Default: a comma, a tab for .tsv files.',
      )
      .optional(),
    header: z
      .boolean()
      .describe(
        "Whether CSV data starts with a header line (default true). With `false`, name the columns in `columns` (a list of names, or the map's keys in file order).",
      )
      .optional(),
    columns: z
      .union([
        z.array(z.string().min(1)).describe("Column names of header-less CSV data, in file order."),
        z.record(
          z.string(),
          z
            .object({
              type: z.enum(["numerical", "categorical", "datetime", "text"]).optional(),
              stattest: stattest.optional(),
              threshold: z.number().optional(),
            })
            .strict(),
        ),
      ])
      .describe(
        "Per-column types and tests (a map by column name), or the column names of header-less data (a list).",
      )
      .optional(),
    max_line_bytes: z
      .number()
      .int()
      .positive()
      .describe(
        "Longest line (CSV record, JSONL row) a data file may have, in bytes (default 16777216, 16 MiB). A longer one fails the read naming the file and line.",
      )
      .optional(),
    max_decompressed_bytes: z
      .number()
      .int()
      .positive()
      .describe(
        "Most bytes a .gz data file may decompress to (default 8589934592, 8 GiB; gzipped Parquet is decompressed in memory, so at most 4 GiB).",
      )
      .optional(),
    max_columns: z
      .number()
      .int()
      .positive()
      .describe("Most columns a data file may have (default 2000): memory grows with the column count.")
      .optional(),
    stattest: stattest.describe("Test for every column.").optional(),
    stattest_numerical: stattest.describe("Test for numerical columns.").optional(),
    stattest_categorical: stattest.describe("Test for categorical columns.").optional(),
    threshold: z.number().describe("p-value or distance threshold.").optional(),
    drift_share: z
      .number()
      .min(0)
      .max(1)
      .describe("Share of drifted columns that means dataset drift.")
      .optional(),
    correction: z.enum(["none", "bonferroni", "bh"]).describe("Multiple-testing correction.").optional(),
    min_values: z
      .number()
      .int()
      .min(1)
      .describe(
        "Fewest non-null values each side needs for a column to be tested (default 30); a column with fewer is reported as not tested and left out of the drift share.",
      )
      .optional(),
    target: z.string().describe("Label column.").optional(),
    prediction: z.string().describe("Prediction column.").optional(),
    timestamp: z.string().describe("Timestamp column for trends.").optional(),
  })
  .strict();

export const modelConfigSchema = z
  .object({
    name: z
      .string()
      .regex(MODEL_NAME_PATTERN, { message: `expected a model name: ${MODEL_NAME_RULE}` })
      .refine(isValidName, {
        message: "expected a model name: no '..' and no trailing '.lock' (git refuses them in tags)",
      })
      .describe("Model name: the registry namespace and the key of its PR comment."),
    metrics: z.array(z.string()).describe("Metric files the training writes (paths or globs).").optional(),
    params: z.array(z.string()).describe("Parameter files.").optional(),
    artifacts: z.array(z.string()).describe("Model files to register (globs).").optional(),
    data: z.array(z.string()).describe("Input data files to fingerprint.").optional(),
    per_example: z
      .string()
      .describe(
        "CSV of per-example results: for noise-aware rules, and (with label, prediction and score columns) the PR comment's plots.",
      )
      .optional(),
    predictions: z
      .object({
        task: z
          .enum(["classification", "regression"])
          .describe(
            "Default: inferred (a score column, or text or few whole-number labels, mean classification).",
          )
          .optional(),
        label: z
          .string()
          .describe("Column of true labels (default: label, target, y_true or actual).")
          .optional(),
        prediction: z
          .string()
          .describe("Column of predictions (default: prediction, predicted, y_pred or pred).")
          .optional(),
        score: z
          .string()
          .describe(
            "Column of the positive class's probability, binary classification (default: probability, score, y_score or proba).",
          )
          .optional(),
        positive: z
          .string()
          .describe("The positive class (default 1 or true, else the last class).")
          .optional(),
        class_scores: z
          .string()
          .min(1)
          .describe(
            "Prefix of the per-class probability columns, multi-class (proba_ reads proba_cat, proba_dog, ...; default: probability_, proba_, prob_ or score_).",
          )
          .optional(),
      })
      .strict()
      .describe(
        "Columns of the per_example CSV the PR comment plots (ROC, precision-recall, confusion matrix, calibration; one-vs-rest ROC and precision-recall per class for multi-class; residuals for regression).",
      )
      .optional(),
    plots: z
      .array(
        z.union([
          z.string(),
          z
            .object({
              path: z.string(),
              title: z.string().optional(),
              x: z.string().describe("Column (or field) for the x axis of a CSV/JSON data file.").optional(),
              y: z
                .union([z.string(), z.array(z.string())])
                .describe("Column(s) drawn as lines.")
                .optional(),
            })
            .strict(),
        ]),
      )
      .describe(
        "Plots the training writes, shown in the PR comment (DVC-style): images (PNG, SVG, JPEG, GIF, WebP; globs) committed to the plots branch, Vega-Lite specs of a line or bar chart with inline data, or CSV/JSON data files with x and y (drawn as Mermaid charts).",
      )
      .optional(),
    trend: z
      .object({
        versions: z
          .number()
          .int()
          .min(0)
          .max(50)
          .describe("How many registered versions the PR is compared with (default 10; 0: no trend).")
          .optional(),
        metrics: z
          .array(z.string())
          .describe("Metrics in the trend (default: those with gate rules, at most 4).")
          .optional(),
      })
      .strict()
      .describe("Where the PR's metrics sit against the last registered versions.")
      .optional(),
    train: z
      .object({ command: z.string().min(1), working_directory: z.string().optional() })
      .strict()
      .describe("How to train the model.")
      .optional(),
    metric_specs: z
      .record(z.string(), metricSpecSchema)
      .describe("Goal, unit, precision and tolerance per metric.")
      .optional(),
    gate: z
      .object({
        rules: z
          .array(z.string())
          .describe("Rules such as `accuracy >= 0.9` or `f1 >= baseline - 0.01`.")
          .optional(),
        metrics: z
          .record(z.string(), structuredRule)
          .describe("min / max / max_regression per metric.")
          .optional(),
        baseline: z
          .string()
          .describe("auto, production (or @alias, v7, 1.4.0, latest), base-branch, none or a file.")
          .optional(),
        on_skipped: z
          .enum(["warn", "fail"])
          .describe(
            "Rules that could not be checked (no baseline yet, or a metric the baseline lacks): `warn` passes the gate and counts them in the headline, `fail` fails it.",
          )
          .optional(),
      })
      .strict()
      .optional(),
    sweep: z
      .object({
        metric: z
          .string()
          .min(1)
          .describe(
            "Metric the cells of a sweep are ranked by (its goal from metric_specs). Default: the metric of the first gate rule.",
          )
          .optional(),
        gate: z
          .enum(["best", "all"])
          .describe(
            "Which cells the gate's verdict covers: `best` (default) — the best-ranked cell must pass; `all` — every cell must train and pass.",
          )
          .optional(),
      })
      .strict()
      .describe(
        "How the PR check reports a sweep (a matrix of trainings, the `sweep` input of the PR-check workflow): one comment with a leaderboard ranked by `metric`.",
      )
      .optional(),
    environments: z
      .array(environment)
      .superRefine(uniqueNames("environment", "environments"))
      .describe("Deployment environments, in promotion order.")
      .optional(),
    monitoring: monitoring.optional(),
  })
  .strict();

const httpsUrl = z.string().regex(/^https?:\/\/[^\s/]+/, { message: "expected a URL (https://…)" });

/**
 * `registry.signing.sigstore`: which Sigstore keyless signing talks to and verification trusts. `public-good`
 * (fulcio.sigstore.dev, rekor.sigstore.dev; entries are public) suits public repositories; `github`
 * (GitHub's own instance: fulcio.githubapp.com and a timestamp authority, no public log) is what GitHub
 * artifact attestations use for private repositories. The URLs override the instance's (a private
 * Sigstore, or the emulator in tests).
 */
export const sigstoreConfigSchema = z
  .object({
    instance: z
      .enum(["public-good", "github"])
      .describe(
        "public-good (public repositories; entries go to the public Rekor log) or github (GitHub's instance, for private repositories). Default: public-good for a public repository, github for a private or internal one (a private repository's identity never goes to the public log unless this says public-good).",
      )
      .optional(),
    fulcio_url: httpsUrl
      .describe("Fulcio (certificate authority) base URL, overriding the instance's.")
      .optional(),
    rekor_url: httpsUrl.describe("Rekor (transparency log) base URL, overriding the instance's.").optional(),
    tsa_url: httpsUrl
      .describe("RFC 3161 timestamp authority URL (…/api/v1/timestamp), overriding the instance's.")
      .optional(),
    trusted_root: z
      .string()
      .min(1)
      .describe(
        "Sigstore trusted root (JSON, as `gh attestation trusted-root` prints it): a path relative to this file. Default: the public-good root from Sigstore's TUF repository.",
      )
      .optional(),
    oidc_issuer: httpsUrl
      .describe(
        "The OIDC issuer a signing certificate must name. Default: https://token.actions.githubusercontent.com.",
      )
      .optional(),
  })
  .strict();

export type SigstoreConfig = z.output<typeof sigstoreConfigSchema>;

/** `registry.signing`: how versions are signed and what `deploy` / `mlops registry verify` trust. */
export const signingConfigSchema = z
  .object({
    required: z
      .boolean()
      .describe(
        "Refuse to deploy a version without a valid signature (register refuses to register one it cannot sign).",
      )
      .optional(),
    public_key: z
      .string()
      .min(1)
      .describe(
        "The trusted public key (PEM, ECDSA P-256 or Ed25519): a path relative to this file, or the PEM itself. Register signs with the private half (the `signing-key` secret).",
      )
      .optional(),
    allowed_refs: z
      .array(z.string().min(1))
      .describe(
        "Refs the signing workflow may have run at (`*` matches anything). Default: refs/heads/main, refs/tags/v*.",
      )
      .optional(),
    workflow: z
      .string()
      .regex(/^\.github\/workflows\/[^/@]+\.ya?ml$/, { message: "expected .github/workflows/<file>.yml" })
      .describe("The workflow that must have signed (default: any workflow of this repository).")
      .optional(),
    keyless: z
      .boolean()
      .describe(
        "Trust keyless (Sigstore) signatures whose certificate names this repository's workflow at an allowed ref. Default: true.",
      )
      .optional(),
    sigstore: sigstoreConfigSchema
      .describe("The Sigstore instance keyless signing uses and verification trusts.")
      .optional(),
  })
  .strict();

export type SigningConfig = z.output<typeof signingConfigSchema>;

export const configSchema = z
  .object({
    version: z.literal(1).describe("Config format version."),
    defaults: z
      .object({ metric_specs: z.record(z.string(), metricSpecSchema).optional() })
      .strict()
      .describe("Defaults for every model.")
      .optional(),
    models: z
      .array(modelConfigSchema)
      .min(1, { message: "expected at least one model" })
      .superRefine(uniqueNames("model", "models"))
      .describe("The models of this repository."),
    registry: z
      .object({ signing: signingConfigSchema.describe("Signed model versions.").optional() })
      .strict()
      .describe("The model registry (releases).")
      .optional(),
  })
  .strict()
  .describe("mlops-actions configuration (mlops.yml)");

export type MlopsConfig = z.output<typeof configSchema>;
export type ModelConfig = z.output<typeof modelConfigSchema>;

/** The JSON Schema published for editors (schema/mlops.schema.json). */
export function configJsonSchema(): object {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://raw.githubusercontent.com/mlops-actions/mlops-actions/main/schema/mlops.schema.json",
    title: "mlops.yml",
    ...(z.toJSONSchema(configSchema, { io: "input" }) as Record<string, unknown>),
  };
}
