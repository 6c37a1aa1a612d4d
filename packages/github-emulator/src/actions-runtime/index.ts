/**
 * The Actions runtime: the results service's artifact twirp API (`/twirp/…`) and the signed blob storage
 * behind it (`/_blob/…`), enough for the unmodified `@actions/artifact` client to upload, download within a
 * run, and (with the REST routes in `routes/actions.ts`) download across runs.
 */
import type { ActionsRuntime, ActionsRuntimeContext } from "../runtime-contract.js";
import { BLOB_PREFIX, serveBlob } from "./blob.js";
import { serveTwirp, TWIRP_PREFIX } from "./twirp.js";

export function createActionsRuntime(ctx: ActionsRuntimeContext): ActionsRuntime {
  return {
    handle: async (req, res, url) => {
      if (url.pathname.startsWith(TWIRP_PREFIX)) await serveTwirp(ctx, req, res, url);
      else if (url.pathname.startsWith(BLOB_PREFIX)) await serveBlob(ctx, req, res, url);
      else return false;
      return true;
    },
  };
}
