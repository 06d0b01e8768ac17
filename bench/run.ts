// `npm run bench`: runs every benchmark under bench/<name>/run.ts in sequence (or the ones named on
// the command line) and collects their JSON reports from .bench-out/ into .bench-out/summary.json.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const outDir = join(root, ".bench-out");
mkdirSync(outDir, { recursive: true });
const wanted = process.argv.slice(2);
const names = readdirSync(join(root, "bench"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, "bench", d.name, "run.ts")))
  .map((d) => d.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

const summary: Record<string, unknown> = {};
let failed = 0;
for (const name of names) {
  process.stdout.write(`\n=== bench/${name}\n`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(root, "bench", name, "run.ts")], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    failed += 1;
    summary[name] = { error: `exit ${result.status}` };
    continue;
  }
  const report = join(outDir, `${name}.json`);
  summary[name] = existsSync(report) ? JSON.parse(readFileSync(report, "utf8")) : { note: "no JSON report" };
}
writeFileSync(join(outDir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
process.stdout.write(
  `\n${names.length - failed}/${names.length} benchmarks ran; summary in .bench-out/summary.json\n`,
);
process.exitCode = failed ? 1 : 0;
