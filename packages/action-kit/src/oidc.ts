/**
 * The job's GitHub OIDC ID token, as `@actions/core`'s `getIDToken` gets it, but from the env the action
 * was given (tests pass their own): a job with `permissions: id-token: write` has
 * ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN; `GET <url>&audience=<aud>` with
 * `Authorization: bearer <token>` answers `{"value": "<JWT>"}`
 * (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#updating-your-actions-for-oidc).
 */

/** Gets an ID token for an audience; one clear error when the endpoint refuses. */
export type IdTokenRequester = (audience: string) => Promise<string>;

/** True when the job can request an ID token (the runner set the request URL and token). */
export function idTokenAvailable(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}

/** The requester of this job's ID tokens, or undefined when the job has no `id-token: write`. */
export function idTokenRequester(env: NodeJS.ProcessEnv): IdTokenRequester | undefined {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const token = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !token) return undefined;
  return async (audience) => {
    const target = new URL(url);
    target.searchParams.set("audience", audience);
    const response = await fetch(target, {
      headers: { authorization: `bearer ${token}`, accept: "application/json" },
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`the ID token request answered ${response.status}: ${text.slice(0, 200).trim()}`);
    let value: unknown;
    try {
      value = (JSON.parse(text) as { value?: unknown }).value;
    } catch {
      value = undefined;
    }
    if (typeof value !== "string" || value === "")
      throw new Error("the ID token request answered without a token (no `value`).");
    return value;
  };
}
