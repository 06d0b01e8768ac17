// bench/multiverse: round-trip latency of a trivial `.call()` to a warm worker (from Node, and from
// Python through the daemon) against spawning `python -c` for the same work; then one script on
// three interpreters in sequence and in parallel. Prints a short report, writes .bench-out/multiverse.json.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readConfig } from "../../src/core/config.ts";
import { interpreter, resolveTargets, runMultiverse, WorkerPool } from "../../src/multiverse/index.ts";
import { makeHome, runCli, shipWorker, writeCliJson } from "../../test/multiverse/fixture.ts";

const CALLS = 10_000;
const SPAWNS = 40;

function quantile(sortedMs: number[], q: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor(q * sortedMs.length))]!;
}

function summarise(samplesMs: number[]): { medianMs: number; p99Ms: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { medianMs: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
}

const round = (ms: number, digits = 3): number => Number(ms.toFixed(digits));

const home = makeHome(3);
try {
  const config = readConfig(join(home.root, "config.toml"));
  const newest = home.pythons.at(-1)!;
  const newestPython = join(home.root, "envs", newest.version, "bin", "python");

  // 1. Node → warm worker (in-process pool).
  const pool = new WorkerPool();
  const py = interpreter(newest.minor, { home: home.root, pool });
  for (let i = 0; i < 500; i++) await py.call("operator:add", i, 1);
  const nodeSamples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await py.call("operator:add", i, 1);
    nodeSamples.push(performance.now() - t0);
  }
  await pool.close();
  const nodeCall = summarise(nodeSamples);

  // 2. Python → daemon → warm worker (omnipkg.interpreter from another interpreter).
  const caller = home.pythons[0]!;
  const site = shipWorker(join(home.root, "envs", caller.version), caller.minor);
  writeCliJson(site, home.root);
  await runCli(["daemon", "start"], home.env);
  const script = [
    "import json, time",
    "from omnipkg_worker import interpreter",
    `py = interpreter(${JSON.stringify(newest.minor)})`,
    "for i in range(500): py.call('operator:add', i, 1)",
    "samples = []",
    `for i in range(${CALLS}):`,
    "    t0 = time.perf_counter_ns(); py.call('operator:add', i, 1); samples.append((time.perf_counter_ns() - t0) / 1e6)",
    "print(json.dumps(samples))",
  ].join("\n");
  const pySamples = JSON.parse(
    execFileSync(join(home.root, "envs", caller.version, "bin", "python"), ["-c", script], {
      env: home.env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    }),
  ) as number[];
  await runCli(["daemon", "stop"], home.env);
  const pythonCall = summarise(pySamples);

  // 3. The peer way: a fresh `python -c` for the same work.
  const spawnSamples: number[] = [];
  for (let i = 0; i < SPAWNS; i++) {
    const t0 = performance.now();
    spawnSync(newestPython, ["-c", "import operator; print(operator.add(1, 1))"], { stdio: "ignore" });
    spawnSamples.push(performance.now() - t0);
  }
  const spawnRun = summarise(spawnSamples);

  // 4. One script on three interpreters: each alone, in sequence, in parallel.
  const targets = resolveTargets(config, "all");
  const work = "import time\ntime.sleep(0.25)\nprint(sum(i * i for i in range(300_000)))";
  const request = { target: { kind: "code" as const, code: work }, args: [], specs: [] };
  const alone: Record<string, number> = {};
  for (const t of targets) {
    const [r] = await runMultiverse([t], request, { homeRoot: home.root, parallel: 1 });
    alone[t.id] = r!.wallMs;
  }
  const timeRun = async (parallel: number): Promise<number> => {
    const t0 = performance.now();
    const results = await runMultiverse(targets, request, { homeRoot: home.root, parallel });
    if (results.some((r) => r.exitCode !== 0)) throw new Error("a multiverse bench run failed");
    return performance.now() - t0;
  };
  const sequentialMs = await timeRun(1);
  const parallelMs = await timeRun(3);
  const slowestMs = Math.max(...Object.values(alone));

  const report = {
    interpreters: targets.map((t) => t.version),
    calls: CALLS,
    nodeWarmCall: { medianMs: round(nodeCall.medianMs), p99Ms: round(nodeCall.p99Ms) },
    pythonWarmCallViaDaemon: { medianMs: round(pythonCall.medianMs), p99Ms: round(pythonCall.p99Ms) },
    spawnPythonC: { medianMs: round(spawnRun.medianMs, 1), p99Ms: round(spawnRun.p99Ms, 1), runs: SPAWNS },
    speedupVsSpawn: {
      node: round(spawnRun.medianMs / nodeCall.medianMs, 0),
      python: round(spawnRun.medianMs / pythonCall.medianMs, 0),
    },
    multiverse: {
      aloneMs: Object.fromEntries(Object.entries(alone).map(([k, v]) => [k, round(v, 0)])),
      sequentialMs: round(sequentialMs, 0),
      parallelMs: round(parallelMs, 0),
      slowestAloneMs: round(slowestMs, 0),
      parallelOverSlowest: round(parallelMs / slowestMs, 2),
    },
    targets: { warmCallMedianMs: 0.5, parallelBoundedBySlowest: true },
  };
  const out = join(import.meta.dirname, "..", "..", ".bench-out");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "multiverse.json"), JSON.stringify(report, null, 2) + "\n");
  const lines = [
    `interpreters: ${report.interpreters.join(", ")}`,
    `warm .call() from Node:            median ${report.nodeWarmCall.medianMs} ms, p99 ${report.nodeWarmCall.p99Ms} ms (${CALLS} calls)`,
    `warm .call() from Python (daemon): median ${report.pythonWarmCallViaDaemon.medianMs} ms, p99 ${report.pythonWarmCallViaDaemon.p99Ms} ms`,
    `spawn python -c, same work:        median ${report.spawnPythonC.medianMs} ms  → warm call is ${report.speedupVsSpawn.node}× (Node) / ${report.speedupVsSpawn.python}× (Python) faster`,
    `multiverse, 3 interpreters: sequential ${report.multiverse.sequentialMs} ms, parallel ${report.multiverse.parallelMs} ms, slowest alone ${report.multiverse.slowestAloneMs} ms (parallel/slowest ${report.multiverse.parallelOverSlowest})`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
} finally {
  await runCli(["daemon", "stop"], home.env).catch(() => undefined);
  home.cleanup();
}
