/** Reads what a reviewer would see from the emulator's REST API into the page's view model. */

import { type RestClient, RestError } from "@mlops/local-github";
import type {
  GitHubView,
  ViewDeployment,
  ViewIssue,
  ViewPullRequest,
  ViewRelease,
  ViewStage,
  ViewWorkflowRun,
} from "./github-view.js";
import { checkRuns, issueComments, issues } from "./stages/queries.js";

interface Pull {
  number: number;
  title: string;
  state: string;
  merged_at?: string | null;
  head: { sha: string };
}

interface Release {
  tag_name: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  assets: { name: string; size: number; digest?: string | null }[];
}

interface Deployment {
  id: number;
  environment: string;
  ref: string;
  created_at: string;
}

const author = (user: { login: string } | null) => user?.login ?? "ghost";

async function pulls(rest: RestClient): Promise<ViewPullRequest[]> {
  const list = await rest.list<Pull>(rest.repo("/pulls?state=all"));
  const views: ViewPullRequest[] = [];
  for (const pr of list.sort((a, b) => a.number - b.number)) {
    const comments = await issueComments(rest, pr.number);
    const checks = await checkRuns(rest, pr.head.sha);
    views.push({
      number: pr.number,
      title: pr.title,
      state: pr.merged_at ? "merged" : pr.state,
      comments: comments.map((c) => ({ author: author(c.user), body: c.body, updatedAt: c.updated_at })),
      checks: checks.map((run) => ({
        name: run.name,
        conclusion: run.conclusion,
        title: run.output.title ?? "",
        summary: run.output.summary ?? "",
      })),
    });
  }
  return views;
}

async function releases(rest: RestClient): Promise<ViewRelease[]> {
  const list = await rest.list<Release>(rest.repo("/releases"));
  return list.map((r) => ({
    tag: r.tag_name,
    name: r.name ?? r.tag_name,
    body: r.body ?? "",
    draft: r.draft,
    prerelease: r.prerelease,
    assets: r.assets.map((a) => ({ name: a.name, size: a.size, digest: a.digest ?? null })),
  }));
}

/** `@alias → version` from the alias refs (`refs/mlops/<model>/@<alias>` points at its version's tag object). */
async function aliases(rest: RestClient, model: string): Promise<{ alias: string; version: string }[]> {
  const versions = await rest.get<{ ref: string; object: { sha: string } }[]>(
    rest.repo(`/git/matching-refs/tags/${model}/`),
  );
  const aliasRefs = await rest.get<{ ref: string; object: { sha: string } }[]>(
    rest.repo(`/git/matching-refs/mlops/${model}/`),
  );
  const tagPrefix = `refs/tags/${model}/`;
  const aliasPrefix = `refs/mlops/${model}/@`;
  return aliasRefs
    .filter((r) => r.ref.startsWith(aliasPrefix))
    .map((r) => ({
      alias: r.ref.slice(aliasPrefix.length),
      version:
        versions.find((v) => v.object.sha === r.object.sha)?.ref.slice(tagPrefix.length) ??
        r.object.sha.slice(0, 7),
    }));
}

async function deployments(rest: RestClient): Promise<ViewDeployment[]> {
  const list = await rest.list<Deployment>(rest.repo("/deployments"));
  const views: ViewDeployment[] = [];
  for (const d of list) {
    const statuses = await rest.get<{ state: string; description: string | null }[]>(
      rest.repo(`/deployments/${d.id}/statuses`),
    );
    views.push({
      id: d.id,
      environment: d.environment,
      ref: d.ref,
      createdAt: d.created_at,
      state: statuses[0]?.state ?? "pending",
      description: statuses[0]?.description ?? "",
    });
  }
  return views;
}

async function monitoringIssues(rest: RestClient): Promise<ViewIssue[]> {
  const views: ViewIssue[] = [];
  for (const issue of await issues(rest)) {
    const comments = await issueComments(rest, issue.number);
    views.push({
      number: issue.number,
      title: issue.title,
      labels: issue.labels.map((l) => l.name),
      body: issue.body ?? "",
      comments: comments.map((c) => ({ author: author(c.user), body: c.body, updatedAt: c.updated_at })),
    });
  }
  return views;
}

interface WorkflowRun {
  id: number;
  name?: string | null;
  path?: string;
  event: string;
  head_branch: string | null;
  run_attempt?: number;
  status: string | null;
  conclusion: string | null;
}

/** The Actions tab's runs, oldest first (an emulator without the Actions routes answers 404: none). */
async function workflowRuns(rest: RestClient): Promise<ViewWorkflowRun[]> {
  let runs: WorkflowRun[];
  try {
    runs = await rest.list<WorkflowRun>(rest.repo("/actions/runs"), "workflow_runs");
  } catch (error) {
    if (error instanceof RestError && error.status === 404) return [];
    throw error;
  }
  return runs
    .map((r) => ({
      id: r.id,
      name: r.name ?? r.path ?? "",
      event: r.event,
      branch: r.head_branch ?? "",
      attempt: r.run_attempt ?? 1,
      status: r.status ?? "",
      conclusion: r.conclusion,
    }))
    .sort((a, b) => a.id - b.id);
}

export interface ViewInputs {
  model: string;
  log: string[];
  stages?: ViewStage[];
}

export async function collectView(rest: RestClient, inputs: ViewInputs): Promise<GitHubView> {
  const { model, log } = inputs;
  return {
    repository: rest.repository,
    generatedAt: new Date().toISOString(),
    stages: inputs.stages ?? [],
    runs: await workflowRuns(rest),
    pulls: await pulls(rest),
    releases: await releases(rest),
    aliases: await aliases(rest, model),
    deployments: await deployments(rest),
    issues: await monitoringIssues(rest),
    log,
  };
}
