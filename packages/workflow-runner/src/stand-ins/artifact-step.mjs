// Stand-in for actions/upload-artifact@v4 and actions/download-artifact@v4, run by the local workflow
// runner as a step process (`node artifact-step.mjs upload|download`). With an Actions runtime
// (ACTIONS_RUNTIME_TOKEN + ACTIONS_RESULTS_URL, i.e. the emulator) it uses the real `@actions/artifact`
// client; without one it keeps artifacts in a folder of the run (same run only).
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { glob } from "tinyglobby";

const mode = process.argv[2];
const input = (name) => (process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
const setOutput = (name, value) => {
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `${name}=${value}\n`);
};
const fail = (message) => {
  console.log(`::error::${message}`);
  process.exit(1);
};

/** The part of a search path before its first wildcard. */
function searchRoot(pattern) {
  const parts = resolve(workspace, pattern).split(sep);
  const index = parts.findIndex((part) => /[*?[\]{}]/.test(part));
  return index < 0 ? parts.join(sep) : parts.slice(0, index).join(sep);
}

function commonAncestor(paths) {
  const split = paths.map((p) => p.split(sep));
  const first = split[0] ?? [];
  let length = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < length && parts[i] === first[i]) i++;
    length = i;
  }
  return first.slice(0, length).join(sep) || sep;
}

async function findUploadFiles() {
  const lines = input("path")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const includes = lines.filter((line) => !line.startsWith("!"));
  const excludes = lines
    .filter((line) => line.startsWith("!"))
    .map((line) => resolve(workspace, line.slice(1)));
  const hidden = input("include-hidden-files") === "true";
  const files = new Set();
  const roots = [];
  for (const pattern of includes) {
    const absolute = resolve(workspace, pattern);
    if (existsSync(absolute) && statSync(absolute).isFile()) {
      files.add(absolute);
      roots.push(dirname(absolute));
      continue;
    }
    const matches = await glob(existsSync(absolute) ? `${absolute}/**` : absolute, {
      absolute: true,
      onlyFiles: true,
      dot: hidden,
      ignore: excludes.flatMap((e) => [e, `${e}/**`]),
    });
    for (const match of matches) files.add(resolve(match));
    roots.push(searchRoot(pattern));
  }
  const list = [...files].sort();
  const root = roots.length === 1 ? roots[0] : commonAncestor(roots);
  return { files: list, root };
}

function localStore() {
  const dir = process.env.MLOPS_RUNNER_ARTIFACTS_DIR;
  if (!dir) fail("no artifact store: neither an Actions runtime nor MLOPS_RUNNER_ARTIFACTS_DIR");
  return dir;
}

async function upload() {
  const name = input("name") || "artifact";
  const { files, root } = await findUploadFiles();
  if (files.length === 0) {
    const policy = input("if-no-files-found") || "warn";
    const message = `No files were found with the provided path: ${input("path")}. No artifacts will be uploaded.`;
    if (policy === "error") fail(message);
    if (policy === "warn") console.log(`::warning::${message}`);
    else console.log(message);
    return;
  }
  if (!process.env.ACTIONS_RUNTIME_TOKEN) {
    const target = join(localStore(), name);
    if (existsSync(target) && input("overwrite") !== "true")
      fail(`an artifact named '${name}' already exists in this run`);
    for (const file of files) cpSync(file, join(target, relative(root, file)), { recursive: true });
    console.log(`Uploaded ${files.length} file(s) as '${name}' to the run's local artifact folder`);
    setOutput("artifact-id", "0");
    return;
  }
  const { DefaultArtifactClient } = await import("@actions/artifact");
  const client = new DefaultArtifactClient();
  const options = {};
  const retention = Number(input("retention-days"));
  if (retention > 0) options.retentionDays = retention;
  const level = input("compression-level");
  if (level !== "") options.compressionLevel = Number(level);
  if (input("overwrite") === "true") {
    try {
      await client.deleteArtifact(name);
    } catch {
      // nothing to overwrite
    }
  }
  const result = await client.uploadArtifact(name, files, root, options);
  console.log(`Uploaded ${files.length} file(s) as '${name}' (id ${result.id}, ${result.size} bytes)`);
  setOutput("artifact-id", String(result.id));
  setOutput("artifact-digest", result.digest ?? "");
  const server = process.env.GITHUB_SERVER_URL;
  setOutput(
    "artifact-url",
    `${server}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}/artifacts/${result.id}`,
  );
}

function matches(name, pattern) {
  if (!pattern) return true;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return regex.test(name);
}

async function download() {
  const name = input("name");
  const pattern = input("pattern");
  const merge = input("merge-multiple") === "true";
  const path = resolve(workspace, input("path") || ".");
  mkdirSync(path, { recursive: true });
  if (!process.env.ACTIONS_RUNTIME_TOKEN) {
    const store = localStore();
    const names = existsSync(store) ? readdirSync(store) : [];
    const wanted = name ? names.filter((n) => n === name) : names.filter((n) => matches(n, pattern));
    if (name && wanted.length === 0)
      fail(`Unable to download artifact(s): Artifact not found for name: ${name}`);
    for (const artifact of wanted) {
      cpSync(join(store, artifact), name || merge ? path : join(path, artifact), { recursive: true });
    }
    console.log(`Downloaded ${wanted.length} artifact(s) to ${path}`);
    setOutput("download-path", path);
    return;
  }
  const { DefaultArtifactClient } = await import("@actions/artifact");
  const client = new DefaultArtifactClient();
  const runId = input("run-id");
  const token = input("github-token");
  const repository = input("repository") || process.env.GITHUB_REPOSITORY || "";
  const [owner, repo] = repository.split("/");
  const findBy =
    runId && token
      ? { findBy: { token, workflowRunId: Number(runId), repositoryOwner: owner, repositoryName: repo } }
      : {};
  let artifacts;
  if (name) {
    const { artifact } = await client
      .getArtifact(name, findBy)
      .catch((error) => fail(`Unable to download artifact(s): ${error.message}`));
    artifacts = [artifact];
  } else {
    artifacts = (await client.listArtifacts({ latest: true, ...findBy })).artifacts.filter((a) =>
      matches(a.name, pattern),
    );
  }
  for (const artifact of artifacts) {
    const target = name || merge ? path : join(path, artifact.name);
    const result = await client.downloadArtifact(artifact.id, { path: target, ...findBy });
    if (result.digestMismatch) fail(`digest mismatch for artifact '${artifact.name}'`);
  }
  console.log(`Downloaded ${artifacts.length} artifact(s) to ${path}`);
  setOutput("download-path", path);
}

try {
  if (mode === "upload") await upload();
  else if (mode === "download") await download();
  else fail(`unknown mode '${mode}'`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
