/** REST reads the stages use to check outcomes (the way a reviewer would look on GitHub). */
import type { RestClient } from "@mlops/local-github";

export interface Comment {
  id: number;
  body: string;
  user: { login: string } | null;
  created_at: string;
  updated_at: string;
}

export interface CheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  output: { title: string | null; summary: string | null; text?: string | null };
}

export interface Issue {
  number: number;
  title: string;
  state: string;
  body: string | null;
  comments: number;
  updated_at: string;
  labels: { name: string }[];
  pull_request?: unknown;
}

export function issueComments(rest: RestClient, number: number): Promise<Comment[]> {
  return rest.list<Comment>(rest.repo(`/issues/${number}/comments`));
}

export function checkRuns(rest: RestClient, sha: string): Promise<CheckRun[]> {
  return rest.list<CheckRun>(rest.repo(`/commits/${sha}/check-runs`), "check_runs");
}

/** Issues proper (pull requests left out), every state. */
export async function issues(rest: RestClient): Promise<Issue[]> {
  const all = await rest.list<Issue>(rest.repo("/issues?state=all"));
  return all.filter((issue) => issue.pull_request === undefined);
}

export async function commitStatuses(
  rest: RestClient,
  sha: string,
): Promise<{ state: string; context: string }[]> {
  const combined = await rest.get<{ statuses: { state: string; context: string }[] }>(
    rest.repo(`/commits/${sha}/status`),
  );
  return combined.statuses;
}

/** A model's registry refs as GitHub lists them: `v<N>` and `@<alias>` → the tag object SHA they point at. */
export interface ModelRefs {
  refs: string[];
  versions: Map<string, string>;
  aliases: Map<string, string>;
}

/** Versions are tags; aliases live in `refs/mlops/<model>/` (never fetched into clones as tags). */
export async function modelRefs(rest: RestClient, model: string): Promise<ModelRefs> {
  const listed = [
    ...(await rest.get<{ ref: string; object: { sha: string } }[]>(
      rest.repo(`/git/matching-refs/tags/${model}/`),
    )),
    ...(await rest.get<{ ref: string; object: { sha: string } }[]>(
      rest.repo(`/git/matching-refs/mlops/${model}/`),
    )),
  ];
  const versions = new Map<string, string>();
  const aliases = new Map<string, string>();
  for (const { ref, object } of listed) {
    const name = ref.replace(`refs/tags/${model}/`, "").replace(`refs/mlops/${model}/`, "");
    if (name.startsWith("@")) {
      // An alias already in refs/mlops wins over a legacy alias tag not yet migrated.
      if (ref.startsWith("refs/mlops/") || !aliases.has(name.slice(1)))
        aliases.set(name.slice(1), object.sha);
    } else if (/^v\d/.test(name)) versions.set(name.slice(1), object.sha);
  }
  return { refs: listed.map((r) => r.ref), versions, aliases };
}
