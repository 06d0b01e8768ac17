import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { InterpreterFacts } from "../../python/facts.ts";
import { KbMissing } from "../errors.ts";
import { byKey, checkChangeNames, revisionChanges, revisionTime, summarize } from "../records.ts";
import type {
  CompatResult,
  DistributionSummary,
  EnvironmentChange,
  EnvironmentEntry,
  InstalledDistribution,
  InstalledFile,
  InterpreterEntry,
  KbCounts,
  KbDump,
  KnowledgeBase,
  MetadataBlob,
  ProbeCacheKey,
  ProjectMetadata,
  Revision,
  RevisionChanges,
  StoreFileEntry,
} from "../types.ts";
import { ensureConnected, unavailable } from "./connect.ts";
import { countAll, exportAll, importAll } from "./redisDump.ts";
import { blobField, compatField, homeKeys, SHARED, type HomeKeys } from "./keys.ts";
import { APPLY_CHANGE, PUT_ENVIRONMENT, REMOVE_ENVIRONMENTS } from "./scripts.ts";

/** What a revision hash field holds: the number is the field name, not part of the value. */
export type StoredRevision = Omit<Revision, "envId" | "number">;

/**
 * The shared backend. Single-key writes are single commands; anything touching several keys is a
 * Lua script or MULTI/EXEC, so a connection lost mid-command leaves either all of it or none.
 */
export class RedisKnowledgeBase implements KnowledgeBase {
  readonly backend = "redis" as const;
  readonly location: string;
  readonly client: Redis;
  readonly keys: HomeKeys;
  readonly homeId: string;
  readonly #shas = new Map<string, string>();

  constructor(client: Redis, display: string, homeId: string) {
    this.client = client;
    this.location = display;
    this.homeId = homeId;
    this.keys = homeKeys(homeId);
  }

  /** Every operation goes through here: reconnect if needed, and report failures clearly. */
  async call<T>(work: (client: Redis) => Promise<T>): Promise<T> {
    await ensureConnected(this.client, this.location);
    try {
      return await work(this.client);
    } catch (error) {
      throw unavailable(error, this.location, this.client);
    }
  }

  /** EVALSHA, loading the script on NOSCRIPT (a restarted server forgets its scripts). */
  async script(source: string, keys: string[], args: (string | number)[]): Promise<number> {
    let sha = this.#shas.get(source);
    if (!sha) this.#shas.set(source, (sha = createHash("sha1").update(source).digest("hex")));
    return this.call(async (client) => {
      try {
        return (await client.evalsha(sha, keys.length, ...keys, ...args)) as number;
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return (await client.eval(source, keys.length, ...keys, ...args)) as number;
      }
    });
  }

  async getProbe(key: ProbeCacheKey): Promise<InterpreterFacts | undefined> {
    const raw = await this.call((c) => c.hget(this.keys.probes, key.path));
    if (raw === null) return undefined;
    const stored = JSON.parse(raw) as { mtimeMs: number; size: number; facts: InterpreterFacts };
    return stored.mtimeMs === key.mtimeMs && stored.size === key.size ? stored.facts : undefined;
  }

  async putProbe(key: ProbeCacheKey, facts: InterpreterFacts): Promise<void> {
    const value = JSON.stringify({ mtimeMs: key.mtimeMs, size: key.size, facts });
    await this.call((c) => c.hset(this.keys.probes, key.path, value));
  }

  async putInterpreter(entry: InterpreterEntry): Promise<void> {
    await this.call((c) => c.hset(this.keys.interpreters, entry.id, JSON.stringify(entry)));
  }

  async getInterpreter(id: string): Promise<InterpreterEntry | undefined> {
    const raw = await this.call((c) => c.hget(this.keys.interpreters, id));
    return raw === null ? undefined : (JSON.parse(raw) as InterpreterEntry);
  }

  async listInterpreters(): Promise<InterpreterEntry[]> {
    const all = await this.call((c) => c.hvals(this.keys.interpreters));
    return all.map((raw) => JSON.parse(raw) as InterpreterEntry).sort(byKey((i) => i.id));
  }

  async removeInterpreter(id: string): Promise<void> {
    const keys = [this.keys.interpreters, this.keys.environments];
    await this.script(REMOVE_ENVIRONMENTS, keys, ["interpreter", id, this.keys.prefix]);
  }

  async putEnvironment(entry: EnvironmentEntry): Promise<void> {
    const keys = [this.keys.interpreters, this.keys.environments];
    const result = await this.script(PUT_ENVIRONMENT, keys, [
      entry.id,
      entry.interpreterId,
      entry.parentId ?? "",
      JSON.stringify(entry),
    ]);
    if (result === -1)
      throw new KbMissing(`interpreter "${entry.interpreterId}" (for environment "${entry.id}")`);
    if (result === -2) throw new KbMissing(`environment "${entry.parentId}" (parent of "${entry.id}")`);
  }

  async getEnvironment(id: string): Promise<EnvironmentEntry | undefined> {
    const raw = await this.call((c) => c.hget(this.keys.environments, id));
    return raw === null ? undefined : (JSON.parse(raw) as EnvironmentEntry);
  }

  async listEnvironments(
    filter: { interpreterId?: string; parentId?: string; kind?: "main" | "bubble" } = {},
  ) {
    const all = await this.call((c) => c.hvals(this.keys.environments));
    return all
      .map((raw) => JSON.parse(raw) as EnvironmentEntry)
      .filter(
        (e) =>
          (filter.interpreterId === undefined || e.interpreterId === filter.interpreterId) &&
          (filter.parentId === undefined || e.parentId === filter.parentId) &&
          (filter.kind === undefined || e.kind === filter.kind),
      )
      .sort(byKey((e) => e.id));
  }

  async removeEnvironment(id: string): Promise<void> {
    const keys = [this.keys.interpreters, this.keys.environments];
    await this.script(REMOVE_ENVIRONMENTS, keys, ["environment", id, this.keys.prefix]);
  }

  async applyChange(change: EnvironmentChange): Promise<number | undefined> {
    const put = change.put ?? [];
    const remove = change.remove ?? [];
    checkChangeNames(put, remove);
    const env = this.keys.env(change.envId);
    const args: (string | number)[] = [change.envId, remove.length, ...remove, put.length];
    for (const dist of put) args.push(dist.name, JSON.stringify(summarize(dist)), JSON.stringify(dist.files));
    let revision = "";
    if (change.revision) {
      const stored: StoredRevision = {
        command: change.revision.command,
        timeMs: revisionTime(change.revision),
        ...revisionChanges(change.revision),
        ...(change.revision.state ? { state: change.revision.state } : {}),
      };
      revision = JSON.stringify(stored);
    }
    args.push(revision);
    const keys = [this.keys.environments, env.dists, env.files, env.revisions, env.revisionSeq];
    const result = await this.script(APPLY_CHANGE, keys, args);
    if (result === -1) throw new KbMissing(`environment "${change.envId}"`);
    return change.revision ? result : undefined;
  }

  async getDistribution(envId: string, name: string): Promise<InstalledDistribution | undefined> {
    const env = this.keys.env(envId);
    const [summary, files] = await this.call(async (c) => {
      const reply = await c.multi().hget(env.dists, name).hget(env.files, name).exec();
      return (reply ?? []).map(([error, value]) => {
        if (error) throw error;
        return value as string | null;
      });
    });
    if (summary === null || summary === undefined) return undefined;
    const { fileCount: _fileCount, ...rest } = JSON.parse(summary) as DistributionSummary;
    const list = JSON.parse(files ?? "[]") as InstalledFile[];
    return { ...rest, files: list.sort(byKey((f) => f.path)) };
  }

  async listDistributions(envId: string): Promise<DistributionSummary[]> {
    const all = await this.call((c) => c.hvals(this.keys.env(envId).dists));
    return all.map((raw) => JSON.parse(raw) as DistributionSummary).sort(byKey((d) => d.name));
  }

  async listRevisions(envId: string, options: { limit?: number } = {}): Promise<Revision[]> {
    const all = await this.call((c) => c.hgetall(this.keys.env(envId).revisions));
    const revisions = Object.entries(all)
      .map(([number, raw]) => toRevision(envId, Number(number), raw))
      .sort((a, b) => b.number - a.number);
    return options.limit === undefined ? revisions : revisions.slice(0, options.limit);
  }

  async getRevision(envId: string, number: number): Promise<Revision | undefined> {
    const raw = await this.call((c) => c.hget(this.keys.env(envId).revisions, String(number)));
    return raw === null ? undefined : toRevision(envId, number, raw);
  }

  async putStoreRefs(refs: readonly { wheelSha256: string; files: StoreFileEntry[] }[]): Promise<void> {
    if (refs.length === 0) return;
    // One HSET of every field: one command, so all of them land or none.
    const fields: Record<string, string> = {};
    for (const ref of refs) fields[ref.wheelSha256] = JSON.stringify(ref.files);
    await this.call((c) => c.hset(this.keys.storeRefs, fields));
  }

  async knownStoreRefs(wheelSha256s: readonly string[]): Promise<Set<string>> {
    if (wheelSha256s.length === 0) return new Set();
    // HEXISTS per wheel in one pipeline: one round trip, and no file list travels back.
    return this.call(async (c) => {
      const pipeline = c.pipeline();
      for (const sha of wheelSha256s) pipeline.hexists(this.keys.storeRefs, sha);
      const known = new Set<string>();
      ((await pipeline.exec()) ?? []).forEach(([error, exists], i) => {
        if (error) throw error;
        if (exists === 1) known.add(wheelSha256s[i]!);
      });
      return known;
    });
  }

  async getStoreRef(wheelSha256: string): Promise<StoreFileEntry[] | undefined> {
    const raw = await this.call((c) => c.hget(this.keys.storeRefs, wheelSha256));
    return raw === null ? undefined : (JSON.parse(raw) as StoreFileEntry[]);
  }

  async listStoreRefs(): Promise<string[]> {
    return (await this.call((c) => c.hkeys(this.keys.storeRefs))).sort();
  }

  async removeStoreRef(wheelSha256: string): Promise<void> {
    await this.call((c) => c.hdel(this.keys.storeRefs, wheelSha256));
  }

  async putCompat(result: CompatResult): Promise<void> {
    const field = compatField(result.package, result.version, result.interpreter);
    const value: CompatResult = { ...result, recordedAtMs: Math.round(result.recordedAtMs) };
    await this.call((c) => c.hset(SHARED.compat, field, JSON.stringify(value)));
  }

  async getCompat(pkg: string, version: string, interpreter: string): Promise<CompatResult | undefined> {
    const raw = await this.call((c) => c.hget(SHARED.compat, compatField(pkg, version, interpreter)));
    return raw === null ? undefined : (JSON.parse(raw) as CompatResult);
  }

  async listCompat(filter: { package?: string } = {}): Promise<CompatResult[]> {
    const all = await this.call((c) => c.hvals(SHARED.compat));
    return all
      .map((raw) => JSON.parse(raw) as CompatResult)
      .filter((r) => filter.package === undefined || r.package === filter.package)
      .sort(byKey((r) => compatField(r.package, r.version, r.interpreter)));
  }

  async putProjectMetadata(entry: ProjectMetadata): Promise<void> {
    const value: ProjectMetadata = {
      ...entry,
      data: entry.data ?? null,
      fetchedAtMs: Math.round(entry.fetchedAtMs),
    };
    await this.call((c) => c.hset(SHARED.projects, entry.project, JSON.stringify(value)));
  }

  async getProjectMetadata(project: string): Promise<ProjectMetadata | undefined> {
    const raw = await this.call((c) => c.hget(SHARED.projects, project));
    return raw === null ? undefined : (JSON.parse(raw) as ProjectMetadata);
  }

  async putMetadataBlobs(blobs: readonly MetadataBlob[]): Promise<void> {
    if (blobs.length === 0) return;
    const fields = blobs.flatMap((b) => [blobField(b.project, b.filename), b.text]);
    await this.call((c) => c.hset(SHARED.blobs, ...fields));
  }

  async getMetadataBlob(project: string, filename: string): Promise<string | undefined> {
    const raw = await this.call((c) => c.hget(SHARED.blobs, blobField(project, filename)));
    return raw ?? undefined;
  }

  counts(): Promise<KbCounts> {
    return countAll(this);
  }

  exportAll(): Promise<KbDump> {
    return exportAll(this);
  }

  importAll(dump: KbDump): Promise<void> {
    return importAll(this, dump);
  }

  async close(): Promise<void> {
    if (this.client.status === "ready") {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }
}

export function toRevision(envId: string, number: number, raw: string): Revision {
  const stored = JSON.parse(raw) as StoredRevision;
  const changes: RevisionChanges = revisionChanges(stored);
  return {
    envId,
    number,
    command: stored.command,
    timeMs: stored.timeMs,
    ...changes,
    ...(stored.state ? { state: stored.state } : {}),
  };
}
