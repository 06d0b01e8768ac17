import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { InterpreterFacts } from "../../python/facts.ts";
import { KbMissing } from "../errors.ts";
import { checkChangeNames, revisionChanges, revisionTime, stateText } from "../records.ts";
import type {
  CompatResult,
  DistributionSummary,
  EnvironmentChange,
  EnvironmentEntry,
  InstalledDistribution,
  InterpreterEntry,
  KbCounts,
  KbDump,
  KnowledgeBase,
  MetadataBlob,
  ProbeCacheKey,
  ProjectMetadata,
  Revision,
  StoreFileEntry,
} from "../types.ts";
import { mapSqliteError } from "./checkFile.ts";
import { fileListId, parseFiles } from "./fileLists.ts";
import { countAll, exportAll, importAll } from "./sqliteDump.ts";
import {
  rowToCompat,
  rowToEnvironment,
  rowToInterpreter,
  rowToProject,
  rowToRevision,
  type Row,
} from "./rows.ts";

/**
 * The embedded backend. `DatabaseSync` is synchronous, so every method is one short critical
 * section; multi-row writes run inside `BEGIN IMMEDIATE`, which takes SQLite's write lock up front
 * (waiting up to busy_timeout) instead of failing half-way with SQLITE_BUSY. That lock is also what
 * makes `max(number) + 1` a safe revision counter across processes.
 */
export class SqliteKnowledgeBase implements KnowledgeBase {
  readonly backend = "sqlite" as const;
  readonly location: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  readonly #busyTimeoutMs: number;

  constructor(db: DatabaseSync, file: string, busyTimeoutMs: number) {
    this.#db = db;
    this.location = file;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  /** A prepared statement, compiled once per connection. */
  sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** Runs one unit of work, turning SQLite's "this file is damaged" into the user-facing error. */
  #run<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(mapSqliteError(error, this.location, this.#busyTimeoutMs));
    }
  }

  /** Runs `work` in one IMMEDIATE transaction: all of it lands, or none of it. */
  #write<T>(work: () => T): Promise<T> {
    return this.#run(() => {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = work();
        this.#db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  #get(text: string, ...params: SQLInputValue[]): Row | undefined {
    return this.sql(text).get(...params) as Row | undefined;
  }

  #all(text: string, ...params: SQLInputValue[]): Row[] {
    return this.sql(text).all(...params) as Row[];
  }

  getProbe(key: ProbeCacheKey): Promise<InterpreterFacts | undefined> {
    return this.#run(() => {
      const row = this.#get(
        "SELECT facts FROM probes WHERE path = ? AND mtime_ms = ? AND size = ?",
        key.path,
        key.mtimeMs,
        key.size,
      );
      return row ? (JSON.parse(row.facts as string) as InterpreterFacts) : undefined;
    });
  }

  putProbe(key: ProbeCacheKey, facts: InterpreterFacts): Promise<void> {
    return this.#write(() => {
      this.sql(
        `INSERT INTO probes (path, mtime_ms, size, facts) VALUES (?, ?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET mtime_ms = excluded.mtime_ms, size = excluded.size, facts = excluded.facts`,
      ).run(key.path, key.mtimeMs, key.size, JSON.stringify(facts));
    });
  }

  putInterpreter(entry: InterpreterEntry): Promise<void> {
    return this.#write(() => {
      this.sql(
        `INSERT INTO interpreters (id, path, version, facts) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET path = excluded.path, version = excluded.version, facts = excluded.facts`,
      ).run(entry.id, entry.path, entry.version, entry.facts === null ? null : JSON.stringify(entry.facts));
    });
  }

  getInterpreter(id: string): Promise<InterpreterEntry | undefined> {
    return this.#run(() => {
      const row = this.#get("SELECT * FROM interpreters WHERE id = ?", id);
      return row && rowToInterpreter(row);
    });
  }

  listInterpreters(): Promise<InterpreterEntry[]> {
    return this.#run(() => this.#all("SELECT * FROM interpreters ORDER BY id").map(rowToInterpreter));
  }

  removeInterpreter(id: string): Promise<void> {
    // ON DELETE CASCADE takes its environments, their distributions, files and revisions along.
    return this.#write(() => void this.sql("DELETE FROM interpreters WHERE id = ?").run(id));
  }

  putEnvironment(entry: EnvironmentEntry): Promise<void> {
    // Every install records its environment again; the unchanged row is answered by a plain read.
    // Its write transaction, though it changes nothing, rewrites index pages and costs a commit.
    const same = this.#run(() => {
      const row = this.#get("SELECT * FROM environments WHERE id = ?", entry.id);
      if (!row) return false;
      const stored = rowToEnvironment(row);
      return (Object.keys(stored) as (keyof EnvironmentEntry)[]).every((k) => stored[k] === entry[k]);
    });
    return same.then((unchanged) => (unchanged ? undefined : this.#putEnvironment(entry)));
  }

  #putEnvironment(entry: EnvironmentEntry): Promise<void> {
    return this.#write(() => {
      if (!this.#get("SELECT 1 AS x FROM interpreters WHERE id = ?", entry.interpreterId)) {
        throw new KbMissing(`interpreter "${entry.interpreterId}" (for environment "${entry.id}")`);
      }
      if (
        entry.parentId !== null &&
        !this.#get("SELECT 1 AS x FROM environments WHERE id = ?", entry.parentId)
      ) {
        throw new KbMissing(`environment "${entry.parentId}" (parent of "${entry.id}")`);
      }
      this.sql(
        `INSERT INTO environments (id, interpreter_id, path, kind, parent_id, name, version)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET interpreter_id = excluded.interpreter_id, path = excluded.path,
           kind = excluded.kind, parent_id = excluded.parent_id, name = excluded.name, version = excluded.version`,
      ).run(entry.id, entry.interpreterId, entry.path, entry.kind, entry.parentId, entry.name, entry.version);
    });
  }

  getEnvironment(id: string): Promise<EnvironmentEntry | undefined> {
    return this.#run(() => {
      const row = this.#get("SELECT * FROM environments WHERE id = ?", id);
      return row && rowToEnvironment(row);
    });
  }

  listEnvironments(filter: { interpreterId?: string; parentId?: string; kind?: "main" | "bubble" } = {}) {
    return this.#run(() =>
      this.#all(
        `SELECT * FROM environments
         WHERE (?1 IS NULL OR interpreter_id = ?1) AND (?2 IS NULL OR parent_id = ?2) AND (?3 IS NULL OR kind = ?3)
         ORDER BY id`,
        filter.interpreterId ?? null,
        filter.parentId ?? null,
        filter.kind ?? null,
      ).map(rowToEnvironment),
    );
  }

  removeEnvironment(id: string): Promise<void> {
    return this.#write(() => void this.sql("DELETE FROM environments WHERE id = ?").run(id));
  }

  applyChange(change: EnvironmentChange): Promise<number | undefined> {
    const put = change.put ?? [];
    const remove = change.remove ?? [];
    return this.#write(() => {
      checkChangeNames(put, remove);
      if (!this.#get("SELECT 1 AS x FROM environments WHERE id = ?", change.envId)) {
        throw new KbMissing(`environment "${change.envId}"`);
      }
      const removeDist = this.sql("DELETE FROM distributions WHERE env_id = ? AND name = ?");
      for (const name of remove) removeDist.run(change.envId, name);
      const upsert = this.sql(
        `INSERT INTO distributions (env_id, name, version, installer, wheel_sha256, requested, file_count, files_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (env_id, name) DO UPDATE SET version = excluded.version, installer = excluded.installer,
           wheel_sha256 = excluded.wheel_sha256, requested = excluded.requested, file_count = excluded.file_count,
           files_id = excluded.files_id
         WHERE (version, installer, wheel_sha256, requested, file_count, files_id)
           IS NOT (excluded.version, excluded.installer, excluded.wheel_sha256, excluded.requested,
                   excluded.file_count, excluded.files_id)`,
      );
      // An unchanged row is left alone (an UPDATE to the same values still rewrites its index
      // entries), so re-recording what the KB already holds writes next to nothing.
      for (const dist of put) {
        upsert.run(
          change.envId,
          dist.name,
          dist.version,
          dist.installer,
          dist.wheelSha256,
          dist.requested ? 1 : 0,
          dist.files.length,
          fileListId(this, dist.wheelSha256, dist.files),
        );
      }
      if (!change.revision) return undefined;
      const next = this.#get(
        "SELECT coalesce(max(number), 0) + 1 AS n FROM revisions WHERE env_id = ?",
        change.envId,
      ) as { n: number };
      this.sql(
        "INSERT INTO revisions (env_id, number, time_ms, command, changes, state) VALUES (?, ?, ?, ?, ?, ?)",
      ).run(
        change.envId,
        next.n,
        revisionTime(change.revision),
        change.revision.command,
        JSON.stringify(revisionChanges(change.revision)),
        stateText(change.revision.state),
      );
      return next.n;
    });
  }

  getDistribution(envId: string, name: string): Promise<InstalledDistribution | undefined> {
    return this.#run(() => {
      const row = this.#get(
        `SELECT d.*, l.files AS files_text FROM distributions d LEFT JOIN file_lists l ON l.id = d.files_id
         WHERE d.env_id = ? AND d.name = ?`,
        envId,
        name,
      );
      return row && { ...summaryOf(row), files: parseFiles(row.files_text) };
    });
  }

  listDistributions(envId: string): Promise<DistributionSummary[]> {
    return this.#run(() =>
      this.#all("SELECT * FROM distributions WHERE env_id = ? ORDER BY name", envId).map((row) => ({
        ...summaryOf(row),
        fileCount: row.file_count as number,
      })),
    );
  }

  listRevisions(envId: string, options: { limit?: number } = {}): Promise<Revision[]> {
    return this.#run(() =>
      this.#all(
        "SELECT * FROM revisions WHERE env_id = ? ORDER BY number DESC LIMIT ?",
        envId,
        options.limit ?? -1,
      ).map(rowToRevision),
    );
  }

  getRevision(envId: string, number: number): Promise<Revision | undefined> {
    return this.#run(() => {
      const row = this.#get("SELECT * FROM revisions WHERE env_id = ? AND number = ?", envId, number);
      return row && rowToRevision(row);
    });
  }

  putStoreRefs(refs: readonly { wheelSha256: string; files: StoreFileEntry[] }[]): Promise<void> {
    if (refs.length === 0) return Promise.resolve();
    return this.#write(() => {
      const put = this.sql(
        "INSERT INTO store_refs (wheel_sha256, files) VALUES (?, ?) ON CONFLICT (wheel_sha256) DO UPDATE SET files = excluded.files",
      );
      for (const ref of refs) put.run(ref.wheelSha256, JSON.stringify(ref.files));
    });
  }

  getStoreRef(wheelSha256: string): Promise<StoreFileEntry[] | undefined> {
    return this.#run(() => {
      const row = this.#get("SELECT files FROM store_refs WHERE wheel_sha256 = ?", wheelSha256);
      return row ? (JSON.parse(row.files as string) as StoreFileEntry[]) : undefined;
    });
  }

  listStoreRefs(): Promise<string[]> {
    return this.#run(() =>
      this.#all("SELECT wheel_sha256 FROM store_refs ORDER BY wheel_sha256").map(
        (r) => r.wheel_sha256 as string,
      ),
    );
  }

  knownStoreRefs(wheelSha256s: readonly string[]): Promise<Set<string>> {
    // One statement: the list goes in as JSON and the lookups run inside SQLite.
    return this.#run(
      () =>
        new Set(
          this.#all(
            "SELECT s.wheel_sha256 FROM json_each(?) AS j JOIN store_refs AS s ON s.wheel_sha256 = j.value",
            JSON.stringify(wheelSha256s),
          ).map((r) => r.wheel_sha256 as string),
        ),
    );
  }

  removeStoreRef(wheelSha256: string): Promise<void> {
    return this.#write(() => void this.sql("DELETE FROM store_refs WHERE wheel_sha256 = ?").run(wheelSha256));
  }

  putCompat(result: CompatResult): Promise<void> {
    return this.#write(() => {
      this.sql(
        `INSERT INTO compat (package, version, interpreter, ok, message, import_ms, recorded_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (package, version, interpreter) DO UPDATE SET ok = excluded.ok, message = excluded.message,
           import_ms = excluded.import_ms, recorded_at_ms = excluded.recorded_at_ms`,
      ).run(
        result.package,
        result.version,
        result.interpreter,
        result.ok ? 1 : 0,
        result.message,
        result.importMs,
        Math.round(result.recordedAtMs),
      );
    });
  }

  getCompat(pkg: string, version: string, interpreter: string): Promise<CompatResult | undefined> {
    return this.#run(() => {
      const row = this.#get(
        "SELECT * FROM compat WHERE package = ? AND version = ? AND interpreter = ?",
        pkg,
        version,
        interpreter,
      );
      return row && rowToCompat(row);
    });
  }

  listCompat(filter: { package?: string } = {}): Promise<CompatResult[]> {
    return this.#run(() =>
      this.#all(
        "SELECT * FROM compat WHERE (?1 IS NULL OR package = ?1) ORDER BY package, version, interpreter",
        filter.package ?? null,
      ).map(rowToCompat),
    );
  }

  putProjectMetadata(entry: ProjectMetadata): Promise<void> {
    return this.#write(() => {
      this.sql(
        `INSERT INTO projects (project, versions, data, fetched_at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (project) DO UPDATE SET versions = excluded.versions, data = excluded.data,
           fetched_at_ms = excluded.fetched_at_ms`,
      ).run(
        entry.project,
        JSON.stringify(entry.versions),
        JSON.stringify(entry.data ?? null),
        Math.round(entry.fetchedAtMs),
      );
    });
  }

  getProjectMetadata(project: string): Promise<ProjectMetadata | undefined> {
    return this.#run(() => {
      const row = this.#get("SELECT * FROM projects WHERE project = ?", project);
      return row && rowToProject(row);
    });
  }

  putMetadataBlobs(blobs: readonly MetadataBlob[]): Promise<void> {
    if (blobs.length === 0) return Promise.resolve();
    return this.#write(() => {
      const insert = this.sql(
        `INSERT INTO metadata_blobs (project, filename, text) VALUES (?, ?, ?)
         ON CONFLICT (project, filename) DO UPDATE SET text = excluded.text`,
      );
      for (const blob of blobs) insert.run(blob.project, blob.filename, blob.text);
    });
  }

  getMetadataBlob(project: string, filename: string): Promise<string | undefined> {
    return this.#run(() => {
      const row = this.#get(
        "SELECT text FROM metadata_blobs WHERE project = ? AND filename = ?",
        project,
        filename,
      );
      return row ? (row.text as string) : undefined;
    });
  }

  counts(): Promise<KbCounts> {
    return this.#run(() => countAll(this));
  }

  exportAll(): Promise<KbDump> {
    return this.#run(() => exportAll(this));
  }

  importAll(dump: KbDump): Promise<void> {
    return this.#write(() => importAll(this, dump));
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
}

function summaryOf(row: Row): Omit<InstalledDistribution, "files"> {
  return {
    name: row.name as string,
    version: row.version as string,
    installer: row.installer as string,
    wheelSha256: (row.wheel_sha256 as string | null) ?? null,
    requested: row.requested === 1,
  };
}
