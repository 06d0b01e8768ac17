import type { InterpreterFacts } from "../../python/facts.ts";
import { OmnipkgError } from "../../core/errors.ts";
import { byKey, revisionChanges, summarize } from "../records.ts";
import type {
  CompatResult,
  DistributionSummary,
  EnvironmentEntry,
  InstalledFile,
  InterpreterEntry,
  KbCounts,
  KbDump,
  ProjectMetadata,
  StoreFileEntry,
} from "../types.ts";
import { blobField, compatField, SHARED } from "./keys.ts";
import { toRevision, type RedisKnowledgeBase, type StoredRevision } from "./redisKb.ts";

/**
 * Whole-KB operations for `kb status` and `kb migrate`. The import replaces this home's keys in one
 * MULTI/EXEC guarded by WATCH on the environment list, so it lands whole or not at all, and a
 * concurrent change to the environments makes it retry rather than leave orphans.
 */

type Reply = [Error | null, unknown][] | null;

function values(reply: Reply): unknown[] {
  return (reply ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export async function countAll(kb: RedisKnowledgeBase): Promise<KbCounts> {
  const k = kb.keys;
  return kb.call(async (c) => {
    const envIds = await c.hkeys(k.environments);
    const batch = c.pipeline();
    for (const key of [k.probes, k.interpreters, k.storeRefs, SHARED.compat, SHARED.projects, SHARED.blobs]) {
      batch.hlen(key);
    }
    for (const id of envIds) batch.hvals(k.env(id).dists).hlen(k.env(id).revisions);
    const out = values(await batch.exec());
    const [probes, interpreters, storeRefs, compat, projects, metadataBlobs] = out as number[];
    let distributions = 0;
    let files = 0;
    let revisions = 0;
    for (let i = 0; i < envIds.length; i++) {
      const dists = out[6 + 2 * i] as string[];
      distributions += dists.length;
      for (const raw of dists) files += (JSON.parse(raw) as DistributionSummary).fileCount;
      revisions += out[7 + 2 * i] as number;
    }
    return {
      probes: probes!,
      interpreters: interpreters!,
      environments: envIds.length,
      distributions,
      files,
      revisions,
      storeRefs: storeRefs!,
      compat: compat!,
      projects: projects!,
      metadataBlobs: metadataBlobs!,
    };
  });
}

export async function exportAll(kb: RedisKnowledgeBase): Promise<KbDump> {
  const k = kb.keys;
  return kb.call(async (c) => {
    const head = values(
      await c
        .multi()
        .hgetall(k.probes)
        .hvals(k.interpreters)
        .hvals(k.environments)
        .hgetall(k.storeRefs)
        .hvals(SHARED.compat)
        .hvals(SHARED.projects)
        .hgetall(SHARED.blobs)
        .exec(),
    );
    const [probes, interpreters, environments, storeRefs, compat, projects, blobs] = head as [
      Record<string, string>,
      string[],
      string[],
      Record<string, string>,
      string[],
      string[],
      Record<string, string>,
    ];
    const envs = environments.map((raw) => JSON.parse(raw) as EnvironmentEntry).sort(byKey((e) => e.id));
    const perEnv = c.multi();
    for (const env of envs)
      perEnv.hgetall(k.env(env.id).dists).hgetall(k.env(env.id).files).hgetall(k.env(env.id).revisions);
    const rows = envs.length === 0 ? [] : values(await perEnv.exec());
    const dump: KbDump = {
      probes: Object.entries(probes)
        .map(([path, raw]) => {
          const p = JSON.parse(raw) as { mtimeMs: number; size: number; facts: InterpreterFacts };
          return { key: { path, mtimeMs: p.mtimeMs, size: p.size }, facts: p.facts };
        })
        .sort(byKey((p) => p.key.path)),
      interpreters: interpreters.map((raw) => JSON.parse(raw) as InterpreterEntry).sort(byKey((i) => i.id)),
      environments: envs,
      distributions: [],
      revisions: [],
      storeRefs: Object.entries(storeRefs)
        .map(([wheelSha256, raw]) => ({ wheelSha256, files: JSON.parse(raw) as StoreFileEntry[] }))
        .sort(byKey((s) => s.wheelSha256)),
      compat: compat
        .map((raw) => JSON.parse(raw) as CompatResult)
        .sort(byKey((r) => `${r.package}\0${r.version}\0${r.interpreter}`)),
      projects: projects.map((raw) => JSON.parse(raw) as ProjectMetadata).sort(byKey((p) => p.project)),
      metadataBlobs: Object.entries(blobs)
        .map(([field, text]) => {
          const [project = "", filename = ""] = field.split("\0");
          return { project, filename, text };
        })
        .sort(byKey((b) => `${b.project}\0${b.filename}`)),
    };
    envs.forEach((env, i) => {
      const dists = rows[3 * i] as Record<string, string>;
      const files = rows[3 * i + 1] as Record<string, string>;
      const revisions = rows[3 * i + 2] as Record<string, string>;
      for (const name of Object.keys(dists).sort()) {
        const { fileCount: _count, ...summary } = JSON.parse(dists[name]!) as DistributionSummary;
        const list = (JSON.parse(files[name] ?? "[]") as InstalledFile[]).sort(byKey((f) => f.path));
        dump.distributions.push({ envId: env.id, distribution: { ...summary, files: list } });
      }
      const numbered = Object.entries(revisions).map(([n, raw]) => toRevision(env.id, Number(n), raw));
      dump.revisions.push(...numbered.sort((a, b) => a.number - b.number));
    });
    return dump;
  });
}

export async function importAll(kb: RedisKnowledgeBase, dump: KbDump): Promise<void> {
  const k = kb.keys;
  for (let attempt = 0; attempt < 5; attempt++) {
    const landed = await kb.call(async (c) => {
      await c.watch(k.environments);
      const oldIds = await c.hkeys(k.environments);
      const tx = c.multi();
      tx.del(k.probes, k.interpreters, k.environments, k.storeRefs);
      for (const id of oldIds) {
        const e = k.env(id);
        tx.del(e.dists, e.files, e.revisions, e.revisionSeq);
      }
      for (const p of dump.probes) {
        tx.hset(
          k.probes,
          p.key.path,
          JSON.stringify({ mtimeMs: p.key.mtimeMs, size: p.key.size, facts: p.facts }),
        );
      }
      for (const i of dump.interpreters) tx.hset(k.interpreters, i.id, JSON.stringify(i));
      for (const e of dump.environments) tx.hset(k.environments, e.id, JSON.stringify(e));
      for (const { envId, distribution } of dump.distributions) {
        tx.hset(k.env(envId).dists, distribution.name, JSON.stringify(summarize(distribution)));
        tx.hset(k.env(envId).files, distribution.name, JSON.stringify(distribution.files));
      }
      const lastNumber = new Map<string, number>();
      for (const r of dump.revisions) {
        const stored: StoredRevision = {
          command: r.command,
          timeMs: r.timeMs,
          ...revisionChanges(r),
          ...(r.state ? { state: r.state } : {}),
        };
        tx.hset(k.env(r.envId).revisions, String(r.number), JSON.stringify(stored));
        lastNumber.set(r.envId, Math.max(lastNumber.get(r.envId) ?? 0, r.number));
      }
      for (const [envId, n] of lastNumber) tx.set(k.env(envId).revisionSeq, String(n));
      for (const s of dump.storeRefs) tx.hset(k.storeRefs, s.wheelSha256, JSON.stringify(s.files));
      for (const r of dump.compat)
        tx.hset(SHARED.compat, compatField(r.package, r.version, r.interpreter), JSON.stringify(r));
      for (const p of dump.projects) tx.hset(SHARED.projects, p.project, JSON.stringify(p));
      for (const b of dump.metadataBlobs) tx.hset(SHARED.blobs, blobField(b.project, b.filename), b.text);
      const reply = await tx.exec();
      if (reply === null) return false;
      values(reply);
      return true;
    });
    if (landed) return;
  }
  throw new OmnipkgError("KB_BUSY", `The knowledge base at ${kb.location} kept changing during the import.`, {
    hint: "Run the migration again when no other omnipkg command is using this home.",
  });
}
