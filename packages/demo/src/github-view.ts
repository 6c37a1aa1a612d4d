import { Marked, type Tokens } from "marked";

/**
 * Renders what a reviewer sees on GitHub (PR comments and checks, the release page with its model card,
 * deployments, the monitoring issue) as one static HTML page. Markdown goes through a GFM renderer
 * (tables, task lists, raw `<details>`), and ```mermaid blocks become `<pre class="mermaid">` that the page
 * draws client-side with Mermaid, as GitHub does.
 */

export interface ViewComment {
  author: string;
  body: string;
  updatedAt: string;
}

export interface ViewCheck {
  name: string;
  conclusion: string | null;
  title: string;
  summary: string;
}

export interface ViewPullRequest {
  number: number;
  title: string;
  state: string;
  comments: ViewComment[];
  checks: ViewCheck[];
}

export interface ViewRelease {
  tag: string;
  name: string;
  body: string;
  draft: boolean;
  prerelease: boolean;
  assets: { name: string; size: number; digest: string | null }[];
}

export interface ViewDeployment {
  id: number;
  environment: string;
  ref: string;
  createdAt: string;
  state: string;
  description: string;
}

export interface ViewIssue {
  number: number;
  title: string;
  labels: string[];
  body: string;
  comments: ViewComment[];
}

export interface ViewWorkflowRun {
  id: number;
  name: string;
  event: string;
  branch: string;
  attempt: number;
  status: string;
  conclusion: string | null;
}

export interface ViewStage {
  title: string;
  status: string;
  detail: string;
}

export interface GitHubView {
  repository: string;
  generatedAt: string;
  /** The demo's stages and their outcomes (shown first). */
  stages: ViewStage[];
  runs: ViewWorkflowRun[];
  pulls: ViewPullRequest[];
  releases: ViewRelease[];
  aliases: { alias: string; version: string }[];
  deployments: ViewDeployment[];
  issues: ViewIssue[];
  log: string[];
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

const markdown = new Marked({ gfm: true, breaks: false });
markdown.use({
  renderer: {
    code(token: Tokens.Code) {
      if (token.lang === "mermaid") return `<pre class="mermaid">${escapeHtml(token.text)}</pre>\n`;
      return `<pre><code>${escapeHtml(token.text)}</code></pre>\n`;
    },
  },
});

export function renderMarkdown(text: string): string {
  return markdown.parse(text, { async: false });
}

function badge(state: string | null): string {
  const value = state ?? "pending";
  const color = ["success", "active", "passed", "merged"].includes(value)
    ? "green"
    : ["failure", "error", "failed"].includes(value)
      ? "red"
      : "gray";
  return `<span class="badge ${color}">${escapeHtml(value)}</span>`;
}

function comment(c: ViewComment): string {
  return `<div class="comment"><div class="comment-head"><strong>${escapeHtml(c.author)}</strong> commented · ${escapeHtml(
    c.updatedAt,
  )}</div><div class="markdown-body">${renderMarkdown(c.body)}</div></div>`;
}

function pullSection(pr: ViewPullRequest): string {
  const checks = pr.checks
    .map(
      (check) =>
        `<details class="check"><summary>${badge(check.conclusion)} <strong>${escapeHtml(check.name)}</strong> — ${escapeHtml(
          check.title,
        )}</summary><div class="markdown-body">${renderMarkdown(check.summary)}</div></details>`,
    )
    .join("\n");
  return `<section class="pull" id="pr-${pr.number}"><h2>#${pr.number} ${escapeHtml(pr.title)} ${badge(pr.state)}</h2>
<p class="muted">${pr.comments.length} comment${pr.comments.length === 1 ? "" : "s"} on this pull request</p>
${pr.comments.map(comment).join("\n")}
<h3>Checks</h3>${checks || '<p class="muted">No checks.</p>'}</section>`;
}

function releaseSection(release: ViewRelease): string {
  const assets = release.assets
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.name)}</td><td>${a.size.toLocaleString("en-US")} B</td><td><code>${escapeHtml(
          a.digest ?? "",
        )}</code></td></tr>`,
    )
    .join("");
  return `<section class="release" id="release-${escapeHtml(release.tag)}"><h2>${escapeHtml(release.name || release.tag)} <code>${escapeHtml(
    release.tag,
  )}</code> ${release.draft ? badge("draft") : ""}${release.prerelease ? badge("pre-release") : ""}</h2>
<div class="markdown-body">${renderMarkdown(release.body)}</div>
<h3>Assets</h3>${
    assets
      ? `<table class="assets"><thead><tr><th>File</th><th>Size</th><th>Digest</th></tr></thead><tbody>${assets}</tbody></table>`
      : '<p class="muted">No assets.</p>'
  }</section>`;
}

function deploymentsSection(view: GitHubView): string {
  const rows = view.deployments
    .map(
      (d) =>
        `<tr><td>${d.id}</td><td>${escapeHtml(d.environment)}</td><td><code>${escapeHtml(d.ref)}</code></td><td>${badge(
          d.state,
        )}</td><td>${escapeHtml(d.description)}</td><td>${escapeHtml(d.createdAt)}</td></tr>`,
    )
    .join("");
  const aliases = view.aliases
    .map((a) => `<li><code>@${escapeHtml(a.alias)}</code> → ${escapeHtml(a.version)}</li>`)
    .join("");
  if (rows === "")
    return '<section id="deployments"><h2>Deployments</h2><p class="muted">No deployments.</p></section>';
  return `<section id="deployments"><h2>Deployments</h2><table><thead><tr><th>ID</th><th>Environment</th><th>Ref</th><th>State</th><th>Description</th><th>Created</th></tr></thead><tbody>${rows}</tbody></table>
${aliases ? `<h3>Registry aliases</h3><ul>${aliases}</ul>` : ""}</section>`;
}

function listOrNone(sections: string[], none: string): string {
  return sections.length > 0
    ? sections.join("\n")
    : `<section><p class="muted">${escapeHtml(none)}</p></section>`;
}

function stagesSection(view: GitHubView): string {
  if (view.stages.length === 0) return "";
  const rows = view.stages
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.title)}</td><td>${badge(s.status)}</td><td>${escapeHtml(s.detail)}</td></tr>`,
    )
    .join("");
  return `<section id="stages"><h2>Demo stages</h2><table><thead><tr><th>Stage</th><th>Outcome</th><th>Result</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function runsSection(view: GitHubView): string {
  const rows = view.runs
    .map(
      (r) =>
        `<tr><td>${r.id}</td><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.event)}</td><td><code>${escapeHtml(
          r.branch,
        )}</code></td><td>${r.attempt}</td><td>${badge(r.conclusion ?? r.status)}</td></tr>`,
    )
    .join("");
  return `<section id="runs"><h2>Actions: workflow runs</h2>${
    rows
      ? `<table><thead><tr><th>Run</th><th>Workflow</th><th>Event</th><th>Branch</th><th>Attempt</th><th>Conclusion</th></tr></thead><tbody>${rows}</tbody></table>`
      : '<p class="muted">No workflow runs.</p>'
  }</section>`;
}

function issueSection(issue: ViewIssue): string {
  return `<section class="issue" id="issue-${issue.number}"><h2>#${issue.number} ${escapeHtml(issue.title)} ${issue.labels
    .map((l) => `<span class="label">${escapeHtml(l)}</span>`)
    .join(" ")}</h2>
<div class="comment"><div class="markdown-body">${renderMarkdown(issue.body)}</div></div>
${issue.comments.map(comment).join("\n")}</section>`;
}

/** The page's CSS: GitHub's look for comments, tables and Mermaid blocks (also used by the Mermaid render test). */
export const STYLE = `
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
header{background:#24292f;color:#fff;padding:16px 32px}header h1{margin:0;font-size:20px}
nav a{color:#fff;margin-right:16px}main{max-width:1012px;margin:24px auto;padding:0 16px}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:16px 24px;margin-bottom:24px}
.comment{border:1px solid #d0d7de;border-radius:6px;margin:12px 0}.comment-head{background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:8px 16px;font-size:14px}
.markdown-body{padding:8px 16px;font-size:14px;line-height:1.5}.markdown-body table{border-collapse:collapse;margin:8px 0}
table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:6px 13px;font-size:14px}tr:nth-child(2n){background:#f6f8fa}
.badge{display:inline-block;border-radius:2em;padding:0 8px;font-size:12px;font-weight:600;color:#fff;vertical-align:middle}
.badge.green{background:#1a7f37}.badge.red{background:#cf222e}.badge.gray{background:#6e7781}
.label{background:#ddf4ff;color:#0969da;border-radius:2em;padding:0 8px;font-size:12px}
.muted{color:#656d76}code{background:rgba(175,184,193,.2);padding:.2em .4em;border-radius:6px;font-size:85%}
pre{background:#f6f8fa;padding:12px;border-radius:6px;overflow:auto}pre.mermaid{background:#fff;max-width:640px}
details.check{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:8px 0}
ul.contains-task-list{list-style:none;padding-left:1em}.log{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap}`;

/** The whole page; `mermaidScript` is the path of a local copy of mermaid.min.js. */
export function renderGitHubView(view: GitHubView, mermaidScript: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlops-actions demo — ${escapeHtml(view.repository)}</title>
<style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(view.repository)} — what reviewers see on GitHub</h1>
<nav><a href="#stages">Stages</a><a href="#runs">Actions</a><a href="#pulls">Pull requests</a><a href="#releases">Releases</a><a href="#deployments">Deployments</a><a href="#issues">Monitoring</a><a href="#log">Demo log</a></nav></header>
<main>
${stagesSection(view)}
${runsSection(view)}
<h2 id="pulls">Pull requests</h2>
${listOrNone(view.pulls.map(pullSection), "No pull requests.")}
<h2 id="releases">Releases (the model registry)</h2>
${listOrNone(view.releases.map(releaseSection), "No releases.")}
${deploymentsSection(view)}
<h2 id="issues">Monitoring issues</h2>
${listOrNone(view.issues.map(issueSection), "No monitoring issues.")}
<section id="log"><h2>Demo log</h2><div class="log">${escapeHtml(view.log.join("\n"))}</div></section>
<p class="muted">Generated ${escapeHtml(view.generatedAt)} from the local GitHub emulator's state.</p>
</main>
<script src="${escapeHtml(mermaidScript)}"></script>
<script>
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
  mermaid.run({ querySelector: "pre.mermaid" }).then(
    () => { document.body.dataset.mermaid = "done"; },
    (error) => { document.body.dataset.mermaid = "error"; document.body.dataset.mermaidError = String(error); },
  );
</script>
</body></html>
`;
}
