import { linkSync, mkdirSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { errnoCode } from "../../core/errors.ts";
import { checkKbFile, mapFsError, mapSqliteError } from "./checkFile.ts";
import { loadSqlite } from "./loadSqlite.ts";
import { migrate } from "./schema.ts";
import { SqliteKnowledgeBase } from "./sqliteKb.ts";

/**
 * Opens (or creates) the SQLite knowledge base. A new file is built complete in a temp sibling and
 * hard-linked into place, so the KB file on disk is either absent or a valid database: a later
 * empty or short file is damage, reported, never recreated over.
 */
export interface SqliteOpenOptions {
  busyTimeoutMs?: number;
}

function configure(db: DatabaseSync, busyTimeoutMs: number): void {
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.exec("PRAGMA journal_mode = WAL");
  // FULL: a committed revision survives a power cut; WAL keeps it to one fsync per commit.
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
}

async function createKbFile(file: string, busyTimeoutMs: number): Promise<void> {
  const { DatabaseSync } = await loadSqlite();
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const db = new DatabaseSync(tmp);
    try {
      configure(db, busyTimeoutMs);
      migrate(db, file);
      // Back to a rollback journal for the hand-over, so no -wal file is left beside the temp name.
      db.exec("PRAGMA journal_mode = DELETE");
    } finally {
      db.close();
    }
    try {
      linkSync(tmp, file);
    } catch (error) {
      // Another process created it first: theirs is just as good.
      if (errnoCode(error) !== "EEXIST") throw error;
    }
  } finally {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(tmp + suffix, { force: true });
  }
}

export async function openSqliteKb(
  file: string,
  options: SqliteOpenOptions = {},
): Promise<SqliteKnowledgeBase> {
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  if (!checkKbFile(file)) {
    try {
      await createKbFile(file, busyTimeoutMs);
    } catch (error) {
      throw mapSqliteError(mapFsError(error, file), file, busyTimeoutMs);
    }
  }
  const { DatabaseSync } = await loadSqlite();
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    configure(db, busyTimeoutMs);
    migrate(db, file);
  } catch (error) {
    if (db?.isOpen) db.close();
    throw mapSqliteError(error, file, busyTimeoutMs);
  }
  return new SqliteKnowledgeBase(db, file, busyTimeoutMs);
}
