import { readConfig } from "../core/config.ts";
import { UsageError } from "../core/errors.ts";
import { homeLayout } from "../core/home.ts";
import { formatDuration, formatTable, paint, printJson } from "../core/output.ts";
import { parseRunArgv, resolveTargets, runMultiverse, type MultiverseResult } from "./index.ts";

/**
 * The reporter of `omnipkg multiverse` (src/cli/multiverse.ts only declares its flags): live lines on a TTY (stderr, so stdout stays the table or
 * the JSON), then the table. Loaded only when the command runs.
 */

const PROGRESS_TICK_MS = 100;

function renderProgress(results: MultiverseResult[], started: Map<string, number>): string[] {
  const now = performance.now();
  return results.map((r) => {
    const elapsed =
      r.phase === "running" ? formatDuration(now - (started.get(r.python) ?? now)) : formatDuration(r.wallMs);
    const phase =
      r.phase === "passed"
        ? paint("green", "passed", process.stderr)
        : r.phase === "failed"
          ? paint("red", `failed (${r.exitCode ?? r.signal})`, process.stderr)
          : r.phase;
    return `  ${r.python.padEnd(10)} ${phase} ${r.phase === "queued" ? "" : elapsed}`;
  });
}

export async function reportMultiverse(
  argv: string[],
  flags: { python?: string; parallel?: string; with?: string[]; json?: boolean },
): Promise<void> {
  const cleaned = argv[0] === "--" ? argv.slice(1) : argv;
  const { target, args } = parseRunArgv(cleaned);
  let parallel: number | undefined;
  if (flags.parallel !== undefined) {
    parallel = Number(flags.parallel);
    if (!Number.isInteger(parallel) || parallel < 1)
      throw new UsageError(`--parallel must be a whole number ≥ 1, not "${flags.parallel}".`);
  }
  const home = homeLayout();
  const targets = resolveTargets(readConfig(home.configFile), flags.python);
  const live = Boolean(process.stderr.isTTY) && !flags.json;
  const started = new Map<string, number>();
  let drawn = 0;
  const draw = (results: MultiverseResult[]): void => {
    for (const r of results)
      if (r.phase === "running" && !started.has(r.python)) started.set(r.python, performance.now());
    if (!live) return;
    const lines = renderProgress(results, started);
    process.stderr.write((drawn ? `\x1b[${drawn}A` : "") + lines.map((l) => `\x1b[2K${l}\n`).join(""));
    drawn = lines.length;
  };
  let latest: MultiverseResult[] = [];
  const ticker = live ? setInterval(() => draw(latest), PROGRESS_TICK_MS) : undefined;
  let results: MultiverseResult[];
  try {
    results = await runMultiverse(
      targets,
      { target, args, specs: flags.with ?? [] },
      {
        homeRoot: home.root,
        parallel,
        onProgress: (r) => {
          latest = r;
          draw(r);
        },
      },
    );
  } finally {
    if (ticker) clearInterval(ticker);
  }
  if (live && drawn) process.stderr.write(`\x1b[${drawn}A\x1b[J`);
  const failed = results.filter((r) => r.phase !== "passed").length;
  if (flags.json) {
    printJson({ results, failed });
  } else {
    const rows = [["PYTHON", "EXIT", "TIME", "LAST LINE", "LOG"]];
    for (const r of results) {
      const exit = r.signal ?? String(r.exitCode);
      rows.push([
        r.python,
        exit,
        formatDuration(r.wallMs),
        r.lastLine.length > 60 ? `${r.lastLine.slice(0, 57)}...` : r.lastLine,
        r.log,
      ]);
    }
    process.stdout.write(formatTable(rows) + "\n");
    process.stdout.write(
      failed
        ? `${failed} of ${results.length} interpreters failed.\n`
        : `All ${results.length} interpreters passed.\n`,
    );
  }
  if (failed) process.exitCode = 1;
}
