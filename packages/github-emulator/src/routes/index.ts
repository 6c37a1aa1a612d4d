/** The full route table. Specific routes first: the first match wins. */
import { Router } from "../http/router.js";
import { registerActionsRoutes } from "./actions.js";
import { registerAttestationRoutes } from "./attestations.js";
import { registerCheckRoutes } from "./checks.js";
import { registerDeploymentRoutes } from "./deployments.js";
import { registerEnvironmentReviewRoutes } from "./environment-reviews.js";
import { registerGitRoutes } from "./git.js";
import { registerGitDataRoutes } from "./git-data.js";
import { registerIssueRoutes } from "./issues.js";
import { type MetaHooks, registerMetaRoutes } from "./meta.js";
import { registerPullReviewRoutes } from "./pull-reviews.js";
import { registerPullMergeRoutes } from "./pulls-merge.js";
import { registerReleaseRoutes } from "./releases.js";

export function buildRouter(hooks: MetaHooks): Router {
  const router = new Router();
  registerMetaRoutes(router, hooks);
  registerGitRoutes(router);
  registerGitDataRoutes(router);
  registerReleaseRoutes(router);
  registerIssueRoutes(router);
  registerPullMergeRoutes(router);
  registerPullReviewRoutes(router);
  registerCheckRoutes(router);
  registerDeploymentRoutes(router);
  registerEnvironmentReviewRoutes(router);
  registerActionsRoutes(router);
  registerAttestationRoutes(router);
  return router;
}
