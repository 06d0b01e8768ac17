import type { DatabaseSync } from "node:sqlite";
import type { InterpreterFacts } from "../../python/facts.ts";
import { KbCorrupt } from "../errors.ts";
import type { KnowledgeBase, ProbeCacheKey } from "../types.ts";
import { isCorruptionError } from "./checkFile.ts";

/**
 * The embedded backend. `DatabaseSync` is synchronous, so every method is one short critical
 * section; multi-row writes run inside `BEGIN IMMEDIATE`, which takes SQLite's write lock up front
 * (waiting up to busy_timeout) instead of failing half-way with SQLITE_BUSY.
 */
export class SqliteKnowledgeBase implements KnowledgeBase {
  readonly backend = "sqlite" as const;
  readonly location: string;
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync, file: string) {
    this.#db = db;
    this.location = file;
  }

  /** Runs one unit of work, turning SQLite's "this file is damaged" into the user-facing error. */
  #run<T>(work: (db: DatabaseSync) => T): Promise<T> {
    try {
      return Promise.resolve(work(this.#db));
    } catch (error) {
      if (isCorruptionError(error)) {
        const detail = (error as { errstr?: string }).errstr ?? "SQLite cannot read it";
        return Promise.reject(new KbCorrupt(this.location, detail, error));
      }
      return Promise.reject(error);
    }
  }

  /** Runs `work` in one IMMEDIATE transaction: all of it lands, or none of it. */
  #write<T>(work: (db: DatabaseSync) => T): Promise<T> {
    return this.#run((db) => {
      db.exec("BEGIN IMMEDIATE");
      try {
        const result = work(db);
        db.exec("COMMIT");
        return result;
      } catch (error) {
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  getProbe(key: ProbeCacheKey): Promise<InterpreterFacts | undefined> {
    return this.#run((db) => {
      const row = db
        .prepare("SELECT facts FROM probes WHERE path = ? AND mtime_ms = ? AND size = ?")
        .get(key.path, key.mtimeMs, key.size) as { facts: string } | undefined;
      return row ? (JSON.parse(row.facts) as InterpreterFacts) : undefined;
    });
  }

  putProbe(key: ProbeCacheKey, facts: InterpreterFacts): Promise<void> {
    return this.#write((db) => {
      db.prepare(
        `INSERT INTO probes (path, mtime_ms, size, facts) VALUES (?, ?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET mtime_ms = excluded.mtime_ms, size = excluded.size, facts = excluded.facts`,
      ).run(key.path, key.mtimeMs, key.size, JSON.stringify(facts));
    });
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
}
