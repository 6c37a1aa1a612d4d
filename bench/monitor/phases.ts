// CPU time per phase of profiling one CSV on one thread: pnpm exec tsx bench/monitor/phases.ts FILE
// start = module load; sample = the first batch (text path, type inference); parse = the byte path and the
// reads; profile = ProfileBuilder.add; finish = sorting sketches into the profile.
import { inferType } from "../../packages/monitor/src/columns.js";
import { type ColumnType, ProfileBuilder } from "../../packages/monitor/src/profile.js";
import { readCsv } from "../../packages/monitor/src/readers/csv.js";

const cpu = () => process.cpuUsage().user / 1000;
const start = cpu();
const types: Record<string, ColumnType> = {};
const builder = new ProfileBuilder(types);
let sample = 0;
let profile = 0;
const batches = readCsv(process.argv[2] as string, {
  reuseBuffers: true,
  resolveTypes: (first) =>
    first.columns.map((c, i) => {
      types[first.columnNames[i] as string] = inferType(c);
      return types[first.columnNames[i] as string] as ColumnType;
    }),
});
for await (const batch of batches) {
  if (!sample) sample = cpu();
  const t = cpu();
  builder.add(batch.columnNames, batch.columns, batch.invalid);
  profile += cpu() - t;
}
const read = cpu();
builder.finish();
const ms = (x: number) => `${x.toFixed(0)} ms`;
console.log(
  `start ${ms(start)}, sample ${ms(sample - start)}, parse ${ms(read - sample - profile)}, profile ${ms(profile)}, finish ${ms(cpu() - read)}`,
);
