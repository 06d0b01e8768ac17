/**
 * Knowledge-base benchmark, SQLite against Redis in the same run:
 *  - write: recording one install (a revision plus 20 distributions of 50 files each);
 *  - read: listing an environment with 300 distributions and 20 bubbles, both as a new command
 *    would (open the KB, list, close) and on an open connection.
 * Peer: `pip list --format=json --path <site-packages>` over the same 300 distributions as
 * dist-info folders on disk (what pip reads to answer the same question). End to end
 * (bench/kb/endToEnd.ts): the real CLI's `list --json` and `info` on a real venv with 300
 * distributions and 20 bubbles, SQLite against Redis (target: under 100 ms with either), beside
 * `pip list` on the same venv. Writes .bench-out/kb.json.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { homeLayout, type HomeLayout } from "../../src/core/home.ts";
import { openKnowledgeBase, type InstalledDistribution, type KnowledgeBase } from "../../src/kb/index.ts";
import { startRedisServer } from "../../test/helpers/redisServer.ts";
import { findTestPythons } from "../../test/helpers/pythons.ts";
import { measureEndToEnd, ROUNDS } from "./endToEnd.ts";

const INSTALL_DISTS = 20;
const FILES_PER_DIST = 50;
const LIST_DISTS = 300;
const BUBBLES = 20;
const WRITE_ROUNDS = 30;
const READ_ROUNDS = 30;

function makeDist(name: string, version: string, files: number): InstalledDistribution {
  return {
    name,
    version,
    installer: "omnipkg",
    wheelSha256: `${name}-${version}`.padEnd(64, "0").slice(0, 64),
    requested: false,
    files: Array.from({ length: files }, (_, i) => ({
      path: `lib/python3.11/site-packages/${name}/module_${i}.py`,
      sha256: `${name}${i}`.padEnd(64, "a").slice(0, 64),
      size: 1000 + i,
    })),
  };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function seed(kb: KnowledgeBase): Promise<void> {
  await kb.putInterpreter({ id: "3.11.7", path: "/p", version: "3.11.7", facts: null });
  for (const id of ["writes", "main"]) {
    await kb.putEnvironment({
      id,
      interpreterId: "3.11.7",
      path: `/e/${id}`,
      kind: "main",
      parentId: null,
      name: null,
      version: null,
    });
  }
  const main = Array.from({ length: LIST_DISTS }, (_, i) =>
    makeDist(`pkg${String(i).padStart(3, "0")}`, "1.0", 10),
  );
  await kb.applyChange({ envId: "main", put: main, revision: { command: "seed" } });
  for (let b = 0; b < BUBBLES; b++) {
    const id = `main/bubble-${b}`;
    await kb.putEnvironment({
      id,
      interpreterId: "3.11.7",
      path: `/e/${id}`,
      kind: "bubble",
      parentId: "main",
      name: `pkg${b}`,
      version: "0.9",
    });
    await kb.applyChange({ envId: id, put: [makeDist(`pkg${b}`, "0.9", 10), makeDist(`dep${b}`, "2.0", 5)] });
  }
}

/** What `omnipkg list` needs: the main distributions, the bubbles, and each bubble's distributions. */
async function listEnvironment(kb: KnowledgeBase): Promise<number> {
  const [dists, bubbles] = await Promise.all([
    kb.listDistributions("main"),
    kb.listEnvironments({ parentId: "main" }),
  ]);
  const inBubbles = await Promise.all(bubbles.map((b) => kb.listDistributions(b.id)));
  return dists.length + inBubbles.reduce((n, l) => n + l.length, 0);
}

interface BackendFigures {
  writeMs: number;
  listOpenMs: number;
  listWarmMs: number;
  listed: number;
}

async function measure(layout: HomeLayout, url: string): Promise<BackendFigures> {
  const kb = await openKnowledgeBase(layout, { url });
  await seed(kb);
  const writes: number[] = [];
  for (let r = 0; r < WRITE_ROUNDS; r++) {
    const put = Array.from({ length: INSTALL_DISTS }, (_, i) => makeDist(`w${i}`, `1.${r}`, FILES_PER_DIST));
    writes.push(
      await time(() =>
        kb.applyChange({
          envId: "writes",
          put,
          revision: {
            command: `install round ${r}`,
            added: put.map((d) => ({ name: d.name, version: d.version })),
          },
        }),
      ),
    );
  }
  let listed = 0;
  const warm: number[] = [];
  for (let r = 0; r < READ_ROUNDS; r++)
    warm.push(await time(async () => (listed = await listEnvironment(kb))));
  await kb.close();
  const cold: number[] = [];
  for (let r = 0; r < READ_ROUNDS; r++) {
    cold.push(
      await time(async () => {
        const fresh = await openKnowledgeBase(layout, { url });
        await listEnvironment(fresh);
        await fresh.close();
      }),
    );
  }
  return { writeMs: median(writes), listOpenMs: median(cold), listWarmMs: median(warm), listed };
}

/** The same 300 distributions as dist-info folders, listed by pip. */
function measurePip(dir: string): number | null {
  const python = findTestPythons()[0];
  if (!python) return null;
  const site = join(dir, "site-packages");
  for (let i = 0; i < LIST_DISTS; i++) {
    const name = `pkg${String(i).padStart(3, "0")}`;
    const info = join(site, `${name}-1.0.dist-info`);
    mkdirSync(info, { recursive: true });
    writeFileSync(join(info, "METADATA"), `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0\n`);
    writeFileSync(join(info, "INSTALLER"), "omnipkg\n");
    writeFileSync(join(info, "RECORD"), `${name}/__init__.py,,\n`);
  }
  const samples: number[] = [];
  for (let r = 0; r < 3; r++) {
    const start = process.hrtime.bigint();
    const out = execFileSync(
      python.path,
      ["-m", "pip", "list", "--format=json", "--path", site, "--disable-pip-version-check"],
      {
        encoding: "utf8",
        env: { ...process.env, PIP_NO_INDEX: "1" },
      },
    );
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if ((JSON.parse(out) as unknown[]).length !== LIST_DISTS)
      throw new Error("pip listed the wrong number of distributions");
  }
  return median(samples);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "omnipkg-bench-kb-"));
  const server = await startRedisServer();
  try {
    const sqlite = await measure(homeLayout(join(dir, "sqlite-home")), "sqlite");
    const redis = await measure(homeLayout(join(dir, "redis-home")), server.url(0));
    const pipListMs = measurePip(dir);
    const endToEnd = await measureEndToEnd(dir, server.url(1));
    const report = {
      shape: {
        installDists: INSTALL_DISTS,
        filesPerDist: FILES_PER_DIST,
        listDists: LIST_DISTS,
        bubbles: BUBBLES,
      },
      sqlite,
      redis,
      peer: { pipListJsonMs: pipListMs, pipListRealEnvMs: endToEnd.pipListMs },
      endToEnd,
      ratios: {
        writeRedisOverSqlite: redis.writeMs / sqlite.writeMs,
        listOpenRedisOverSqlite: redis.listOpenMs / sqlite.listOpenMs,
        listOpenSqliteOverPip: pipListMs ? sqlite.listOpenMs / pipListMs : null,
        listOpenRedisOverPip: pipListMs ? redis.listOpenMs / pipListMs : null,
      },
    };
    const f = (n: number) => `${n.toFixed(2)} ms`;
    process.stdout.write(
      [
        `record one install (revision + ${INSTALL_DISTS} dists x ${FILES_PER_DIST} files), median of ${WRITE_ROUNDS}:`,
        `  sqlite ${f(sqlite.writeMs)}   redis ${f(redis.writeMs)}   (redis/sqlite ${report.ratios.writeRedisOverSqlite.toFixed(2)}x)`,
        `list ${LIST_DISTS} dists + ${BUBBLES} bubbles (${sqlite.listed} rows), open+list+close, median of ${READ_ROUNDS}:`,
        `  sqlite ${f(sqlite.listOpenMs)}   redis ${f(redis.listOpenMs)}   (warm: sqlite ${f(sqlite.listWarmMs)}, redis ${f(redis.listWarmMs)})`,
        pipListMs
          ? `peer: pip list --format=json over the same ${LIST_DISTS} dist-infos: ${f(pipListMs)} ` +
            `(sqlite is ${(pipListMs / sqlite.listOpenMs).toFixed(0)}x faster, redis ${(pipListMs / redis.listOpenMs).toFixed(0)}x)`
          : "peer: no Python interpreter found, pip list not measured",
        `end to end, real CLI on a venv with ${LIST_DISTS} dists + ${BUBBLES} bubbles (setup ${(endToEnd.setupMs / 1000).toFixed(1)} s), median of ${ROUNDS}:`,
        ...endToEnd.commands.map(
          (c) =>
            `  ${c.command.padEnd(24)} sqlite ${f(c.sqliteMs)}   redis ${f(c.redisMs)}   (target < 100 ms)`,
        ),
        endToEnd.pipListMs
          ? `  peer: pip list --format=json on the same venv: ${f(endToEnd.pipListMs)}`
          : "  peer: pip not available",
      ].join("\n") + "\n",
    );
    const out = join(import.meta.dirname, "..", "..", ".bench-out");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "kb.json"), JSON.stringify(report, null, 2) + "\n");
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
