import type { MlopsConfig } from "./schema.js";

/** The docs page that explains protected aliases (environment reviewers, the tag ruleset, the audit trail). */
export const PROTECTED_ALIASES_DOC = "docs/protected-aliases.md";

/**
 * The tag ruleset that makes every model version immutable (`POST /repos/{owner}/{repo}/rulesets`, docs
 * "Create a repository ruleset", https://docs.github.com/en/rest/repos/rules#create-a-repository-ruleset):
 * version tags `refs/tags/<model>/v*` can be created (the release workflow registers them) but never
 * moved or deleted, so an alias can only ever point at a version whose files and tag are final.
 */
export function versionTagRuleset(models: readonly string[]): Record<string, unknown> {
  return {
    name: "mlops: model versions are immutable",
    target: "tag",
    enforcement: "active",
    conditions: { ref_name: { include: models.map((m) => `refs/tags/${m}/v*`), exclude: [] } },
    rules: [{ type: "update" }, { type: "deletion" }],
  };
}

/**
 * What `mlops validate` says about protected aliases: one line per environment that requires protection,
 * and a note per model whose `production` environment does not (deploy then never checks its reviewers).
 */
export function protectionReport(config: MlopsConfig): { protectedLines: string[]; notes: string[] } {
  const protectedLines: string[] = [];
  const notes: string[] = [];
  for (const model of config.models) {
    for (const environment of model.environments ?? []) {
      if (environment.require_protection)
        protectedLines.push(
          `${model.name} → ${environment.name}: deploy refuses unless the GitHub environment '${environment.name}' has required reviewers`,
        );
      else if (environment.name === "production")
        notes.push(
          `note: ${model.name}'s production environment has no require_protection: true — deploy will move @production without checking that 'production' has required reviewers (see ${PROTECTED_ALIASES_DOC})`,
        );
    }
  }
  return { protectedLines, notes };
}
