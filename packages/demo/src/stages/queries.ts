/** REST reads the stages use to check outcomes (the way a reviewer would look on GitHub). */
import type { RestClient } from "../rest.js";

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
