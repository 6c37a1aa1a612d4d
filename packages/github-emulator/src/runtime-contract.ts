/** The contract between the emulator core and the Actions runtime plug-in (`src/actions-runtime/`). */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "./state/store.js";

/** What the emulator hands to `createActionsRuntime`. */
export interface ActionsRuntimeContext {
  store: Store;
  /** `http://127.0.0.1:PORT` (valid once the server listens; read it per request). */
  baseUrl(): string;
  /** Persists the state (call after mutating `store.data`). */
  persist(): void;
}

/** Serves `/twirp/…`, `/_blob/…` and `/_emulator/actions/…`; resolves `false` for paths it does not own. */
export interface ActionsRuntime {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}
