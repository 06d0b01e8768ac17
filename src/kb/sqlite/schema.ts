import type { DatabaseSync } from "node:sqlite";
import { KbTooNew } from "../errors.ts";

/**
 * Numbered migrations. A KB file records the highest one applied in `schema_version`; opening runs
 * the missing ones inside one IMMEDIATE transaction, so two processes opening a fresh file at once
 * cannot both migrate. Never edit a released migration: add the next number.
 */
const MIGRATIONS: readonly string[] = [
  // 1: interpreter probe cache, keyed by the executable's real path and invalidated by mtime + size.
  `CREATE TABLE probes (
     path TEXT PRIMARY KEY,
     mtime_ms REAL NOT NULL,
     size INTEGER NOT NULL,
     facts TEXT NOT NULL
   ) STRICT;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: DatabaseSync, location: string): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT");
  db.exec("BEGIN IMMEDIATE");
  try {
    const row = db.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > SCHEMA_VERSION) throw new KbTooNew(location, current, SCHEMA_VERSION);
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(version);
    }
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
