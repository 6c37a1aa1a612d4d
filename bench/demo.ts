/**
 * Benchmark of `pnpm demo`: wall time of the whole demo and of each stage, and the API calls counted
 * from the emulator's request log (workflows' REST, artifact runtime, runner bookkeeping, the demo's own
 * checks). Output goes to a temp dir, not demo-output/.
 * Run: `pnpm exec tsx bench/demo.ts [node|sklearn] [TOOLKIT_ROOT]` (default node, this repository).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExampleId, runDemo } from "@mlops/demo";

const example = (process.argv[2] ?? "node") as ExampleId;
const outDir = mkdtempSync(join(tmpdir(), "mlops-demo-bench-"));
try {
  const started = process.hrtime.bigint();
  const result = await runDemo({
    example,
    verbosity: "quiet",
    outDir,
    write: () => {},
    ...(process.argv[3] ? { toolkitRoot: process.argv[3] } : {}),
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `example: ${example}   ok: ${result.ok}   wall: ${wall.toFixed(1)} s   OpenAPI violations: ${result.violations}`,
  );
  console.log("| stage | outcome | wall | workflow REST | artifact runtime | runner | demo checks | total |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const s of [
    ...result.stages,
    { id: "all", status: "", seconds: result.seconds, apiCalls: result.apiCalls },
  ]) {
    const c = s.apiCalls;
    console.log(
      `| ${s.id} | ${s.status} | ${s.seconds.toFixed(1)} s | ${c.workflowRest} | ${c.artifactRuntime} | ${c.runner} | ${c.demo} | ${c.total} |`,
    );
  }
  for (const stage of result.stages.filter((s) => s.status !== "passed"))
    console.log(`${stage.id}: ${stage.detail}`);
  process.exitCode = result.ok ? 0 : 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
