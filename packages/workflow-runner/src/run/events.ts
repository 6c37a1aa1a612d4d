import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { isMapping, isSequence, isString } from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { ConfigError } from "@mlops/core";
import { child, type LoadedWorkflow, rawEvent, where } from "./load.js";

type Payload = Record<string, unknown>;

export const SUPPORTED_EVENTS = ["pull_request", "push", "schedule", "workflow_dispatch", "workflow_run"];

/** What the event says about the run: ref, sha, branches. */
export interface EventFacts {
  ref: string;
  sha: string;
  headRef: string;
  baseRef: string;
  actor: string;
  headBranch: string;
  pullRequestNumber?: number;
}

function isObject(value: unknown): value is Payload {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge: `over` wins; objects merge, everything else replaces. */
export function mergeDeep(base: Payload, over: Payload): Payload {
  const out: Payload = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? mergeDeep(current, value) : value;
  }
  return out;
}

function workspaceSha(workspace: string): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: workspace,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return createHash("sha1").update(workspace).digest("hex");
  }
}

/** The default webhook payload of an event, with the given payload merged over it. */
export function buildPayload(
  event: string,
  repository: string,
  workspace: string,
  given: Payload | undefined,
  inputs: Record<string, string> | undefined,
  headSha?: string,
): Payload {
  const [owner = "octo-org", name = "octo-repo"] = repository.split("/");
  const repo = {
    id: 1,
    name,
    full_name: repository,
    owner: { login: owner, type: "Organization" },
    default_branch: "main",
    private: false,
    fork: false,
    html_url: `https://github.localhost/${repository}`,
  };
  const sender = { login: "octocat", type: "User" };
  const sha = headSha ?? workspaceSha(workspace);
  const base: Payload = { repository: repo, sender };
  switch (event) {
    case "push":
      Object.assign(base, {
        ref: "refs/heads/main",
        before: "0".repeat(40),
        after: sha,
        head_commit: { id: sha, message: "local commit" },
      });
      break;
    case "pull_request":
      Object.assign(base, {
        action: "opened",
        number: 1,
        pull_request: {
          number: 1,
          title: "Local pull request",
          user: sender,
          head: { ref: "feature", sha, repo },
          base: { ref: "main", sha: "0".repeat(40), repo },
        },
      });
      break;
    case "schedule":
      Object.assign(base, { schedule: "0 0 * * *" });
      break;
    case "workflow_dispatch":
      Object.assign(base, { ref: "refs/heads/main", inputs: { ...(inputs ?? {}) } });
      break;
    case "workflow_run":
      Object.assign(base, {
        action: "completed",
        workflow_run: {
          id: 1,
          name: "upstream",
          event: "pull_request",
          status: "completed",
          conclusion: "success",
          head_branch: "feature",
          head_sha: sha,
          run_attempt: 1,
          pull_requests: [],
        },
        workflow: { name: "upstream" },
      });
      break;
  }
  return given ? mergeDeep(base, given) : base;
}

function str(value: unknown, fallback: string): string {
  return typeof value === "string" && value !== "" ? value : fallback;
}

/** The branch whose head commit an event is about (before defaults are applied). */
export function eventBranch(event: string, given: Payload | undefined): string {
  const pr = isObject(given?.pull_request) ? given.pull_request : {};
  const head = isObject(pr.head) ? pr.head : {};
  const run = isObject(given?.workflow_run) ? given.workflow_run : {};
  if (event === "pull_request") return str(head.ref, "feature");
  if (event === "workflow_run") return str(run.head_branch, "feature");
  return str(given?.ref, "refs/heads/main").replace(/^refs\/heads\//, "");
}

/** ref, sha and branches as GitHub derives them from the event. */
export function eventFacts(event: string, payload: Payload): EventFacts {
  const sender = isObject(payload.sender) ? str(payload.sender.login, "octocat") : "octocat";
  const repo = isObject(payload.repository) ? payload.repository : {};
  const defaultBranch = str(repo.default_branch, "main");
  const facts: EventFacts = {
    ref: `refs/heads/${defaultBranch}`,
    sha: "",
    headRef: "",
    baseRef: "",
    actor: sender,
    headBranch: defaultBranch,
  };
  if (event === "push") {
    facts.ref = str(payload.ref, facts.ref);
    facts.sha = str(payload.after, "");
    facts.headBranch = facts.ref.replace(/^refs\/(heads|tags)\//, "");
  } else if (event === "pull_request" || event === "pull_request_target") {
    const pr = isObject(payload.pull_request) ? payload.pull_request : {};
    const head = isObject(pr.head) ? pr.head : {};
    const baseRef = isObject(pr.base) ? pr.base : {};
    const number = typeof pr.number === "number" ? pr.number : Number(payload.number ?? 1);
    facts.ref = `refs/pull/${number}/merge`;
    facts.sha = str(head.sha, "");
    facts.headRef = str(head.ref, "");
    facts.baseRef = str(baseRef.ref, defaultBranch);
    facts.headBranch = facts.headRef;
    facts.pullRequestNumber = number;
  } else if (event === "workflow_run") {
    const run = isObject(payload.workflow_run) ? payload.workflow_run : {};
    facts.sha = str(run.head_sha, "");
    facts.headBranch = str(run.head_branch, defaultBranch);
  } else if (event === "workflow_dispatch") {
    facts.ref = str(payload.ref, facts.ref);
    facts.headBranch = facts.ref.replace(/^refs\/(heads|tags)\//, "");
  }
  if (facts.sha === "")
    facts.sha = str(payload.after, createHash("sha1").update(JSON.stringify(payload)).digest("hex"));
  return facts;
}

/** GitHub's filter patterns: `*` (no `/`), `**`, `?` and `+` (of the previous character), `[]`, `!` negation. */
export function filterPatternToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? "";
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        out += ".*";
        i++;
      } else out += "[^/]*";
    } else if (c === "?" || c === "+") out += c;
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      if (end < 0) out += "\\[";
      else {
        out += pattern.slice(i, end + 1);
        i = end;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** Applies an ordered include list (with `!` negations): the last matching pattern decides. */
function matchesList(value: string, patterns: string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    if (filterPatternToRegExp(negated ? pattern.slice(1) : pattern).test(value)) matched = !negated;
  }
  return matched;
}

function stringList(token: TemplateToken | undefined): string[] | undefined {
  if (token === undefined) return undefined;
  if (isString(token)) return [token.value];
  if (isSequence(token)) {
    const out: string[] = [];
    for (let i = 0; i < token.count; i++) {
      const item = token.get(i);
      if (isString(item)) out.push(item.value);
    }
    return out;
  }
  return undefined;
}

function checkPair(
  workflow: LoadedWorkflow,
  config: TemplateToken,
  include: string,
  value: string,
): string | undefined {
  const ignoreKey = `${include}-ignore`;
  const list = stringList(child(config, include));
  const ignore = stringList(child(config, ignoreKey));
  if (list && ignore) {
    throw new ConfigError(
      `${where(workflow, child(config, include))}: use either '${include}' or '${ignoreKey}', not both`,
      {
        position: { file: workflow.displayPath, line: child(config, include)?.range?.start.line ?? 1 },
      },
    );
  }
  if (list && !matchesList(value, list)) return `'${value}' does not match on.${include}`;
  if (ignore && matchesList(value, ignore)) return `'${value}' matches on.${ignoreKey}`;
  return undefined;
}

/** Why the workflow does not run for this event (GitHub's `on:` filters), or undefined when it runs. */
export function eventFilterMismatch(
  workflow: LoadedWorkflow,
  event: string,
  payload: Payload,
  facts: EventFacts,
): string | undefined {
  const config = rawEvent(workflow, event);
  if (config === undefined) return `the workflow has no 'on: ${event}' trigger`;
  if (config === null || !isMapping(config)) return undefined;
  const action = typeof payload.action === "string" ? payload.action : undefined;
  const types = stringList(child(config, "types"));
  if (event === "push") {
    const isTag = facts.ref.startsWith("refs/tags/");
    const name = facts.ref.replace(/^refs\/(heads|tags)\//, "");
    const hasBranch = child(config, "branches") || child(config, "branches-ignore");
    const hasTag = child(config, "tags") || child(config, "tags-ignore");
    if (isTag) {
      if (!hasTag && hasBranch) return `tag '${name}' and the push trigger filters branches only`;
      if (hasTag) return checkPair(workflow, config, "tags", name);
    } else {
      if (!hasBranch && hasTag) return `branch '${name}' and the push trigger filters tags only`;
      if (hasBranch) return checkPair(workflow, config, "branches", name);
    }
    return undefined;
  }
  if (event === "pull_request" || event === "pull_request_target") {
    const wanted = types ?? ["opened", "synchronize", "reopened"];
    if (action && !wanted.includes(action)) return `activity type '${action}' is not in on.${event}.types`;
    return checkPair(workflow, config, "branches", facts.baseRef);
  }
  if (event === "workflow_run") {
    const wanted = types ?? ["requested", "completed"];
    if (action && !wanted.includes(action))
      return `activity type '${action}' is not in on.workflow_run.types`;
    const run = isObject(payload.workflow_run) ? payload.workflow_run : {};
    const workflows = stringList(child(config, "workflows"));
    const runName = str(run.name, "");
    if (workflows && !matchesList(runName, workflows))
      return `workflow '${runName}' is not in on.workflow_run.workflows`;
    return checkPair(workflow, config, "branches", facts.headBranch);
  }
  if (types && action && !types.includes(action))
    return `activity type '${action}' is not in on.${event}.types`;
  return undefined;
}
