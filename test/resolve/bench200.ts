/**
 * Micro-benchmark (not a test): resolve a synthetic 200-project graph whose newest versions
 * conflict deep down, so the solver has to backtrack. Run:
 *   node --import tsx test/resolve/bench200.ts
 * It prints wall time without latency, and with 2 ms per metadata fetch with and without prefetch.
 */
import { performance } from "node:perf_hooks";
import { resolve } from "../../src/resolve/index.ts";
import { linux311, memoryProvider, type Graph } from "./memoryIndex.ts";

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticGraph(projects: number, versions: number, seed: number): Graph {
  const random = rng(seed);
  const graph: Graph = {};
  for (let i = 0; i < projects; i++) {
    const entries: Record<string, string[]> = {};
    for (let v = 1; v <= versions; v++) {
      const deps: string[] = [];
      for (let k = 0; k < 3; k++) {
        const j = i + 1 + Math.floor(random() * 12);
        if (j >= projects || deps.some((d) => d.startsWith(`p${j}>`) || d.startsWith(`p${j}<`))) continue;
        const low = Math.max(1, v - 3 - Math.floor(random() * 3));
        deps.push(`p${j}>=${low}.0`);
      }
      // Planted conflicts: the newest versions of p(6k+1) need p(6k+5) near its newest, those of
      // p(6k+2) need it old, and p(6k+3)'s newest need a p(6k+4) whose newest needs a project
      // that does not exist. Each is found only after choosing, so the solver must backtrack.
      if (v > versions - 3 && i + 4 < projects) {
        if (i % 6 === 1) deps.push(`p${i + 4}>=${versions - 1}.0`);
        if (i % 6 === 2) deps.push(`p${i + 3}<${versions - 5}.0`);
        if (i % 6 === 3) deps.push(`p${i + 1}>=${versions}.0`);
      }
      if (i % 6 === 4 && v === versions) deps.push("missing-project");
      entries[`${v}.0`] = deps;
    }
    graph[`p${i}`] = entries;
  }
  return graph;
}

async function run(label: string, delayMs: number, prefetchConcurrency: number, repeat = 5): Promise<void> {
  const graph = syntheticGraph(200, 12, 42);
  const roots = Array.from({ length: 10 }, (_, i) => `p${i}`);
  const times: number[] = [];
  let line = "";
  for (let i = 0; i < repeat; i++) {
    const provider = memoryProvider(graph, { delayMs });
    const started = performance.now();
    const resolution = await resolve(roots, provider, { env: linux311, prefetchConcurrency });
    times.push(performance.now() - started);
    const { decisions, conflicts, metadataFetches } = resolution.stats;
    line =
      `${resolution.packages.size} packages, ${decisions} decisions, ${conflicts} conflicts, ` +
      `${metadataFetches} metadata fetches, ${provider.maxInFlight} at once`;
  }
  times.sort((x, y) => x - y);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `${label.padEnd(30)} min ${times[0]!.toFixed(1).padStart(7)} ms  median ${median.toFixed(1).padStart(7)} ms  ${line}`,
  );
}

if (process.argv[2] !== "--no-run") {
  await run("warm-up", 0, 8, 2);
  await run("no latency", 0, 8);
  await run("2 ms per fetch, prefetch 8", 2, 8);
  await run("2 ms per fetch, no prefetch", 2, 0);
}
