import { existsSync, readFileSync, realpathSync, renameSync } from "node:fs";
import { basename, join, resolve as resolvePath } from "node:path";
import { readConfig } from "../core/config.ts";
import { isOmnipkgError } from "../core/errors.ts";
import { homeLayout, type HomeLayout } from "../core/home.ts";
import { acquireLock } from "../core/lock.ts";
import {
  listDistsIn,
  listInstalled,
  readPyvenvCfg,
  schemeForEnv,
  type InstalledDist,
} from "../install/index.ts";
import {
  KbCorrupt,
  openKnowledgeBase,
  resolveKbLocation,
  salvageSqliteKb,
  type EnvironmentEntry,
  type InstalledDistribution,
  type InstalledFile,
  type KbDump,
  type KnowledgeBase,
} from "../kb/index.ts";
import { listBubbles } from "../bubbles/bubbleManifest.ts";
import { canonicalizeName } from "../standards/index.ts";
import { createStore, hexFromRecordHash, parseRecord } from "../store/index.ts";
import { envLockPath } from "./lockedTarget.ts";
import { NotAnEnvironment } from "./target.ts";

/**
 * `omnipkg rebuild-kb`: make the knowledge base say what is on disk again. Environments,
 * distributions and bubbles are read from dist-info folders, RECORD files and bubble manifests;
 * history, probes, store references and compatibility results are carried over from the old KB.
 * A damaged SQLite file is moved aside (never deleted) and what can still be read from it is
 * salvaged. The environments themselves are only read.
 */
export interface RebuildReport {
  backend: string;
  location: string;
  environments: { envId: string; path: string; distributions: number; bubbles: number }[];
  revisionsKept: number;
  /** Where a damaged KB file was moved, when it was. */
  movedAside?: string;
  salvaged?: { revisions: number; interpreters: number };
}

export interface RebuildOptions {
  /** Extra virtual environments to adopt (managed ones and those the KB knew are always included). */
  envs?: string[];
}

interface EnvOnDisk {
  id: string;
  dir: string;
  interpreterId: string;
  python: string;
  version: string;
}

function distFiles(dist: InstalledDist): InstalledFile[] {
  try {
    return parseRecord(readFileSync(join(dist.distInfo, "RECORD"), "utf8"))
      .map((row) => ({
        path: row.path,
        sha256: row.hash ? (hexFromRecordHash(row.hash) ?? null) : null,
        size: row.size ? Number(row.size) : null,
      }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } catch {
    return [];
  }
}

function toDistribution(dist: InstalledDist): InstalledDistribution {
  return {
    name: dist.canonicalName,
    version: dist.version,
    installer: dist.installer ?? "unknown",
    wheelSha256: dist.wheelSha256 ?? null,
    requested: dist.requested,
    files: distFiles(dist),
  };
}

/** Open the KB and read everything, or move a damaged SQLite file aside and salvage it. */
async function openOrSalvage(layout: HomeLayout): Promise<{
  kb: KnowledgeBase;
  old: Partial<KbDump>;
  movedAside?: string;
  salvaged?: RebuildReport["salvaged"];
}> {
  const location = resolveKbLocation(layout);
  let kb: KnowledgeBase | undefined;
  try {
    kb = await openKnowledgeBase(layout);
    return { kb, old: await kb.exportAll() };
  } catch (error) {
    await kb?.close().catch(() => undefined);
    if (!(error instanceof KbCorrupt) || location.backend !== "sqlite") throw error;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const aside = `${location.file}.corrupt-${stamp}`;
  renameSync(location.file, aside);
  for (const suffix of ["-wal", "-shm"])
    if (existsSync(location.file + suffix)) renameSync(location.file + suffix, aside + suffix);
  const old = await salvageSqliteKb(aside);
  return {
    kb: await openKnowledgeBase(layout),
    old,
    movedAside: aside,
    salvaged: { revisions: old.revisions?.length ?? 0, interpreters: old.interpreters?.length ?? 0 },
  };
}

function realDir(dir: string): string | undefined {
  try {
    return existsSync(join(dir, "pyvenv.cfg")) ? realpathSync(dir) : undefined;
  } catch {
    return undefined;
  }
}

function environmentsOnDisk(layout: HomeLayout, old: Partial<KbDump>, extra: string[]): EnvOnDisk[] {
  const found = new Map<string, EnvOnDisk>();
  let interpreters: ReturnType<typeof readConfig>["interpreters"] = {};
  try {
    interpreters = readConfig(layout.configFile).interpreters;
  } catch (error) {
    if (!isOmnipkgError(error)) throw error;
  }
  for (const r of Object.values(interpreters)) {
    if (!realDir(r.envDir)) continue;
    found.set(r.id, { id: r.id, dir: r.envDir, interpreterId: r.id, python: r.path, version: r.version });
  }
  const venv = (dir: string, interpreterId?: string): void => {
    const real = realDir(dir);
    if (!real) return;
    const id = `venv:${real}`;
    if (found.has(id) || [...found.values()].some((e) => realDir(e.dir) === real)) return;
    const cfg = readPyvenvCfg(real);
    found.set(id, {
      id,
      dir: real,
      interpreterId: interpreterId ?? id,
      python: join(real, "bin", "python"),
      version: cfg.version ?? cfg.version_info ?? "unknown",
    });
  };
  for (const e of old.environments ?? []) if (e.kind === "main") venv(e.path, e.interpreterId);
  for (const dir of extra) {
    if (!realDir(resolvePath(dir))) throw new NotAnEnvironment(resolvePath(dir), "it has no pyvenv.cfg");
    venv(resolvePath(dir));
  }
  return [...found.values()];
}

export async function rebuildKnowledgeBase(options: RebuildOptions = {}): Promise<RebuildReport> {
  const layout = homeLayout();
  // Installs hold their environment's lock; the home lock keeps two rebuilds apart.
  const homeLock = acquireLock(join(layout.locksDir, "rebuild-kb.lock"));
  try {
    const { kb, old, movedAside, salvaged } = await openOrSalvage(layout);
    try {
      const envs = environmentsOnDisk(layout, old, options.envs ?? []);
      const locks = envs.map((e) => acquireLock(envLockPath(layout, e.id)));
      try {
        return await rebuild(layout, kb, old, envs, { movedAside, salvaged });
      } finally {
        for (const l of locks) l.release();
      }
    } finally {
      await kb.close();
    }
  } finally {
    homeLock.release();
  }
}

async function rebuild(
  layout: HomeLayout,
  kb: KnowledgeBase,
  old: Partial<KbDump>,
  envs: EnvOnDisk[],
  extra: { movedAside: string | undefined; salvaged: RebuildReport["salvaged"] },
): Promise<RebuildReport> {
  const store = createStore(layout.storeDir);
  const interpreters = new Map((old.interpreters ?? []).map((i) => [i.id, i]));
  const environments: EnvironmentEntry[] = [];
  const distributions: KbDump["distributions"] = [];
  const storeRefs = new Map((old.storeRefs ?? []).map((s) => [s.wheelSha256, s]));
  const report: RebuildReport = {
    backend: kb.backend,
    location: kb.location,
    environments: [],
    revisionsKept: 0,
  };
  const addDist = (envId: string, dist: InstalledDist): void => {
    distributions.push({ envId, distribution: toDistribution(dist) });
    const sha = dist.wheelSha256;
    const manifest = sha && !storeRefs.has(sha) ? store.manifest(sha) : undefined;
    if (manifest)
      storeRefs.set(sha!, {
        wheelSha256: sha!,
        files: manifest.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, mode: f.mode })),
      });
  };
  for (const env of envs) {
    if (!interpreters.has(env.interpreterId))
      interpreters.set(env.interpreterId, {
        id: env.interpreterId,
        path: env.python,
        version: env.version,
        facts: null,
      });
    environments.push({
      id: env.id,
      interpreterId: env.interpreterId,
      path: env.dir,
      kind: "main",
      parentId: null,
      name: null,
      version: null,
    });
    const main = listInstalled(schemeForEnv(env.dir));
    for (const d of main) addDist(env.id, d);
    const bubbles = listBubbles(env.dir);
    for (const b of bubbles) {
      const folder = basename(b.dir);
      const id = `${env.id}#${folder}`;
      environments.push({
        id,
        interpreterId: env.interpreterId,
        path: b.dir,
        kind: "bubble",
        parentId: env.id,
        name: canonicalizeName(b.manifest.name),
        version: b.manifest.version,
      });
      for (const d of listDistsIn(b.dir)) addDist(id, d);
    }
    report.environments.push({
      envId: env.id,
      path: env.dir,
      distributions: main.length,
      bubbles: bubbles.length,
    });
  }
  const envIds = new Set(environments.map((e) => e.id));
  const revisions = (old.revisions ?? []).filter((r) => envIds.has(r.envId));
  report.revisionsKept = revisions.length;
  await kb.importAll({
    probes: old.probes ?? [],
    interpreters: [...interpreters.values()],
    environments,
    distributions,
    revisions,
    storeRefs: [...storeRefs.values()],
    compat: old.compat ?? [],
    projects: old.projects ?? [],
    metadataBlobs: old.metadataBlobs ?? [],
  });
  if (extra.movedAside) report.movedAside = extra.movedAside;
  if (extra.salvaged) report.salvaged = extra.salvaged;
  return report;
}
