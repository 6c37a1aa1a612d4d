/**
 * STUB, owned by the Actions-runtime engineer (replace freely): REST routes under
 * `/repos/{owner}/{repo}/actions/...` (artifacts, workflow runs). See README "Adding routes".
 */
import type { Router } from "../http/router.js";

export function registerActionsRoutes(_router: Router): void {}
