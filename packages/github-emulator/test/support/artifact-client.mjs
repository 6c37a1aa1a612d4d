// Runs the unmodified `@actions/artifact` client in its own process (it reads GITHUB_API_URL when it is
// first imported, so each job gets a fresh process with the job's environment, as on a runner).
// Usage: node artifact-client.mjs '<json operation>'. The result is the last stdout line, after "@@RESULT ".
import { DefaultArtifactClient } from "@actions/artifact";

const op = JSON.parse(process.argv[2] ?? "{}");
const client = new DefaultArtifactClient();
const lookup = op.findBy ? { findBy: op.findBy } : {};

async function run() {
  switch (op.kind) {
    case "upload":
      return client.uploadArtifact(op.name, op.files, op.root, op.options ?? {});
    case "get":
      return client.getArtifact(op.name, lookup);
    case "list":
      return client.listArtifacts(lookup);
    case "download":
      return client.downloadArtifact(op.id, { path: op.path, ...lookup });
    case "delete":
      return client.deleteArtifact(op.name, lookup);
    default:
      throw new Error(`unknown operation ${op.kind}`);
  }
}

try {
  const result = await run();
  process.stdout.write(`\n@@RESULT ${JSON.stringify(result)}\n`);
} catch (error) {
  process.stdout.write(
    `\n@@ERROR ${JSON.stringify({ name: error?.name, message: String(error?.message ?? error) })}\n`,
  );
  process.exitCode = 1;
}
