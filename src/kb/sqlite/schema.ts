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
  // 2: the data model: interpreters, environments (main and bubbles), installed distributions and
  // their files, history, store references, compatibility results, package metadata cache.
  `CREATE TABLE interpreters (
     id TEXT PRIMARY KEY,
     path TEXT NOT NULL,
     version TEXT NOT NULL,
     facts TEXT
   ) STRICT;
   CREATE TABLE environments (
     id TEXT PRIMARY KEY,
     interpreter_id TEXT NOT NULL REFERENCES interpreters (id) ON DELETE CASCADE,
     path TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('main', 'bubble')),
     parent_id TEXT REFERENCES environments (id) ON DELETE CASCADE,
     name TEXT,
     version TEXT
   ) STRICT;
   CREATE INDEX environments_interpreter ON environments (interpreter_id);
   CREATE INDEX environments_parent ON environments (parent_id);
   CREATE TABLE distributions (
     env_id TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     version TEXT NOT NULL,
     installer TEXT NOT NULL,
     wheel_sha256 TEXT,
     requested INTEGER NOT NULL,
     file_count INTEGER NOT NULL,
     PRIMARY KEY (env_id, name)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE dist_files (
     env_id TEXT NOT NULL,
     name TEXT NOT NULL,
     path TEXT NOT NULL,
     sha256 TEXT,
     size INTEGER,
     PRIMARY KEY (env_id, name, path),
     FOREIGN KEY (env_id, name) REFERENCES distributions (env_id, name) ON DELETE CASCADE
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE revisions (
     env_id TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
     number INTEGER NOT NULL,
     time_ms INTEGER NOT NULL,
     command TEXT NOT NULL,
     changes TEXT NOT NULL,
     PRIMARY KEY (env_id, number)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE store_refs (
     wheel_sha256 TEXT PRIMARY KEY,
     files TEXT NOT NULL
   ) STRICT;
   CREATE TABLE compat (
     package TEXT NOT NULL,
     version TEXT NOT NULL,
     interpreter TEXT NOT NULL,
     ok INTEGER NOT NULL,
     message TEXT NOT NULL,
     import_ms REAL,
     recorded_at_ms INTEGER NOT NULL,
     PRIMARY KEY (package, version, interpreter)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE projects (
     project TEXT PRIMARY KEY,
     versions TEXT NOT NULL,
     data TEXT NOT NULL,
     fetched_at_ms INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE metadata_blobs (
     project TEXT NOT NULL,
     filename TEXT NOT NULL,
     text TEXT NOT NULL,
     PRIMARY KEY (project, filename)
   ) STRICT, WITHOUT ROWID;`,
  // 3: each revision keeps a snapshot of the environment after it (main and bubbles), for revert.
  `ALTER TABLE revisions ADD COLUMN state TEXT;`,
  // 4: a distribution's file list is one JSON text in file_lists, shared by every distribution
  // with the same list, instead of one dist_files row per file. Recording an install wrote and
  // deleted ~3,500 rows (most of the KB's cost in a warm install); now a list the KB already holds
  // (same environment re-installed, or the same wheel in another environment) is found by one
  // indexed lookup and nothing is written. The triggers drop a list when its last user goes,
  // including through the cascades from environments and interpreters.
  `CREATE TABLE file_lists (
     id INTEGER PRIMARY KEY,
     wheel_sha256 TEXT,
     length INTEGER NOT NULL,
     files TEXT NOT NULL
   ) STRICT;
   CREATE INDEX file_lists_key ON file_lists (wheel_sha256, length);
   ALTER TABLE distributions ADD COLUMN files_id INTEGER REFERENCES file_lists (id);
   CREATE INDEX distributions_files ON distributions (files_id);
   CREATE TEMP TABLE lists_by_dist AS
     SELECT d.env_id, d.name, d.wheel_sha256,
       (SELECT json_group_array(json_object('path', f.path, 'sha256', f.sha256, 'size', f.size) ORDER BY f.path)
          FROM dist_files f WHERE f.env_id = d.env_id AND f.name = d.name) AS files
     FROM distributions d;
   INSERT INTO file_lists (wheel_sha256, length, files)
     SELECT DISTINCT wheel_sha256, length(files), files FROM temp.lists_by_dist;
   UPDATE distributions SET files_id = (
     SELECT l.id FROM temp.lists_by_dist m
       JOIN file_lists l ON l.wheel_sha256 IS m.wheel_sha256 AND l.length = length(m.files) AND l.files = m.files
     WHERE m.env_id = distributions.env_id AND m.name = distributions.name);
   DROP TABLE temp.lists_by_dist;
   DROP TABLE dist_files;
   CREATE TRIGGER distributions_release_files_on_delete AFTER DELETE ON distributions
   WHEN old.files_id IS NOT NULL BEGIN
     DELETE FROM file_lists WHERE id = old.files_id
       AND NOT EXISTS (SELECT 1 FROM distributions WHERE files_id = old.files_id);
   END;
   CREATE TRIGGER distributions_release_files_on_update AFTER UPDATE OF files_id ON distributions
   WHEN old.files_id IS NOT NULL AND old.files_id IS NOT new.files_id BEGIN
     DELETE FROM file_lists WHERE id = old.files_id
       AND NOT EXISTS (SELECT 1 FROM distributions WHERE files_id = old.files_id);
   END;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

function currentVersion(db: DatabaseSync): number {
  const table = db
    .prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (!table) return 0;
  const row = db.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number | null };
  return row.v ?? 0;
}

/** `target` below SCHEMA_VERSION is for tests: it builds a file as an older omnipkg left it. */
export function migrate(db: DatabaseSync, location: string, target = SCHEMA_VERSION): void {
  // Fast path, a plain read: an up-to-date file must not make every command (a `list` during a
  // long install) queue for the write lock.
  const seen = currentVersion(db);
  if (seen > SCHEMA_VERSION) throw new KbTooNew(location, seen, SCHEMA_VERSION);
  if (seen >= target) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT");
    // Re-read under the lock: another process may have migrated while we waited for it.
    const current = currentVersion(db);
    if (current > SCHEMA_VERSION) throw new KbTooNew(location, current, SCHEMA_VERSION);
    for (let version = current + 1; version <= target; version++) {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(version);
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
