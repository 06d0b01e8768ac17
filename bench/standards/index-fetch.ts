/**
 * Index client bench: fetch and parse the project pages and the PEP 658 metadata of the newest
 * file of 200 projects from a local index (the test index server on 127.0.0.1, in its own
 * process so it does not share the client's event loop), cold (empty HTTP cache) and warm (same
 * cache: pages revalidate with 304s), once on bare loopback and once with 10 ms of server latency
 * per answer (a nearby mirror across a network), where concurrency matters. The peer is pip's own index client (PipSession with its
 * HTTP cache, pip's link parser, metadata hash check and email parsing), which fetches serially as
 * pip's finder does. Prints times and ratios; writes .bench-out/standards-index-fetch.json.
 *
 *   node --import tsx bench/standards/index-fetch.ts
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIndexClient, loadIndexSettings } from "../../src/index/index.ts";
import { DEFAULT_CONCURRENCY } from "../../src/index/settings.ts";
import { parseCoreMetadata } from "../../src/standards/index.ts";
import { findTestPythons } from "../../test/helpers/pythons.ts";
import { startIndexServer, type ServedProject } from "../../test/helpers/indexServer.ts";

const PROJECT_COUNT = 200;
const VERSIONS_PER_PROJECT = 8;

function makeProjects(): ServedProject[] {
  return Array.from({ length: PROJECT_COUNT }, (_, p) => {
    const name = `bench-project-${p}`;
    return {
      project: name,
      files: Array.from({ length: VERSIONS_PER_PROJECT }, (_, v) => {
        const version = `${1 + (v >> 2)}.${v % 4}.0`;
        const metadata =
          `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nRequires-Python: >=3.8\n` +
          `Requires-Dist: bench-project-${(p + 1) % PROJECT_COUNT}>=1.0\nRequires-Dist: idna; extra == "x"\n\n` +
          "Long description ".repeat(40);
        return {
          filename: `bench_project_${p}-${version}-py3-none-any.whl`,
          bytes: `wheel ${p} ${v}`,
          requiresPython: ">=3.8",
          metadata,
          uploadTime: new Date(Date.UTC(2024, 0, 1 + v)).toISOString(),
        };
      }),
    };
  });
}

/** Child mode: serve the index (with the given per-answer latency) and print its URL. */
async function serve(latencyMs: number): Promise<void> {
  const server = await startIndexServer({ projects: makeProjects(), latencyMs });
  process.stdout.write(`${server.indexUrl}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
}

async function runOmnipkg(indexUrl: string, cacheDir: string, names: string[]): Promise<number> {
  const empty = mkdtempSync(join(tmpdir(), "omnipkg-bench-empty-"));
  const settings = loadIndexSettings({
    env: {},
    homeDir: empty,
    systemConfigDir: empty,
    cacheDir,
    flags: { indexUrl },
  });
  const client = createIndexClient(settings);
  const started = performance.now();
  let checked = 0;
  await Promise.all(
    names.map(async (name) => {
      const page = await client.getProject(name);
      const newest = page.files.at(-1)!;
      const meta = parseCoreMetadata(await client.fetchCoreMetadata(newest));
      if (meta.name) checked++;
    }),
  );
  const ms = performance.now() - started;
  await client.close();
  rmSync(empty, { recursive: true, force: true });
  if (checked !== names.length)
    throw new Error(`omnipkg parsed ${checked} of ${names.length} metadata files`);
  return ms;
}

const PIP_SCRIPT = `
import hashlib, json, sys, time
from email.parser import HeaderParser
from pip._internal.network.session import PipSession
from pip._internal.index.collector import IndexContent, parse_links
args = json.load(sys.stdin)
session = PipSession(cache=args["cache"], retries=0)
accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
t = time.perf_counter()
ok = 0
for name in args["names"]:
    r = session.get(args["index"] + "/" + name + "/", headers={"Accept": accept, "Cache-Control": "max-age=0"})
    r.raise_for_status()
    links = list(parse_links(IndexContent(r.content, r.headers["Content-Type"], None, r.url)))
    meta_link = links[-1].metadata_link()
    m = session.get(meta_link.url)
    m.raise_for_status()
    for alg, digest in (links[-1].metadata_file_data.hashes or {}).items():
        assert hashlib.new(alg, m.content).hexdigest() == digest
    if HeaderParser().parsestr(m.content.decode("utf-8"))["Name"]:
        ok += 1
print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "ok": ok}))
`;

function runPip(python: string, indexUrl: string, cacheDir: string, names: string[]): number {
  const out = execFileSync(python, ["-c", PIP_SCRIPT], {
    input: JSON.stringify({ index: indexUrl, cache: cacheDir, names }),
    encoding: "utf8",
  });
  const result = JSON.parse(out) as { ms: number; ok: number };
  if (result.ok !== names.length)
    throw new Error(`pip parsed ${result.ok} of ${names.length} metadata files`);
  return result.ms;
}

async function startServerProcess(latencyMs: number): Promise<{ indexUrl: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", import.meta.filename, "--serve", String(latencyMs)],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const indexUrl = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes("\n")) resolve(text.trim());
    });
    child.on("exit", (code) => reject(new Error(`index server exited with ${code}`)));
  });
  return { indexUrl, stop: () => child.stdin.end() };
}

interface Scenario {
  latencyMs: number;
  omnipkg: { coldMs: number; warmMs: number };
  pip?: { coldMs: number; warmMs: number };
  ratios?: { cold: number; warm: number };
}

async function runScenario(latencyMs: number, python: string | undefined, work: string): Promise<Scenario> {
  const server = await startServerProcess(latencyMs);
  const dir = join(work, `latency-${latencyMs}`);
  try {
    const names = makeProjects().map((p) => p.project);
    // Load and JIT-compile the client on a throwaway cache first: pip's side is timed after its
    // imports too, and "cold" here means an empty HTTP cache, not a cold Node process.
    await runOmnipkg(server.indexUrl, join(dir, "warm-up"), names.slice(0, 20));
    const ours = join(dir, "omnipkg-cache");
    const omnipkg = {
      coldMs: await runOmnipkg(server.indexUrl, ours, names),
      warmMs: await runOmnipkg(server.indexUrl, ours, names),
    };
    if (!python) return { latencyMs, omnipkg };
    const pipCache = join(dir, "pip-cache");
    mkdirSync(pipCache, { recursive: true });
    const pip = {
      coldMs: runPip(python, server.indexUrl, pipCache, names),
      warmMs: runPip(python, server.indexUrl, pipCache, names),
    };
    return {
      latencyMs,
      omnipkg,
      pip,
      ratios: { cold: pip.coldMs / omnipkg.coldMs, warm: pip.warmMs / omnipkg.warmMs },
    };
  } finally {
    server.stop();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "omnipkg-bench-index-"));
  try {
    const python = findTestPythons().find((p) => p.minor === "3.11") ?? findTestPythons()[0];
    const pipVersion = python
      ? execFileSync(python.path, ["-c", "import pip; print(pip.__version__)"], { encoding: "utf8" }).trim()
      : undefined;
    const scenarios: Scenario[] = [];
    for (const latencyMs of [0, 10]) scenarios.push(await runScenario(latencyMs, python?.path, work));
    const result = {
      projects: PROJECT_COUNT,
      filesPerProject: VERSIONS_PER_PROJECT,
      requestsPerRun: PROJECT_COUNT * 2,
      concurrency: DEFAULT_CONCURRENCY,
      peer: python ? `pip ${pipVersion} on Python ${python.version} (serial, its HTTP cache)` : "none found",
      scenarios,
    };
    const f = (ms: number): string => `${ms.toFixed(0)} ms`.padStart(8);
    console.log(`index fetch bench: ${PROJECT_COUNT} project pages + PEP 658 metadata from 127.0.0.1`);
    console.log(`  peer: ${result.peer}; omnipkg at its default concurrency ${DEFAULT_CONCURRENCY}`);
    for (const s of scenarios) {
      console.log(`  server latency ${s.latencyMs} ms per answer:`);
      console.log(`    omnipkg  cold ${f(s.omnipkg.coldMs)}  warm ${f(s.omnipkg.warmMs)}`);
      if (s.pip && s.ratios) {
        console.log(`    pip      cold ${f(s.pip.coldMs)}  warm ${f(s.pip.warmMs)}`);
        console.log(`    pip/omnipkg  cold ${s.ratios.cold.toFixed(1)}x  warm ${s.ratios.warm.toFixed(1)}x`);
      }
    }
    mkdirSync(".bench-out", { recursive: true });
    writeFileSync(join(".bench-out", "standards-index-fetch.json"), JSON.stringify(result, null, 2) + "\n");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const serveAt = process.argv.indexOf("--serve");
if (serveAt >= 0) await serve(Number(process.argv[serveAt + 1] ?? "0"));
else await main();
