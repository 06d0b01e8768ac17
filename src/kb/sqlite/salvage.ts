import type { DatabaseSync } from "node:sqlite";
import type { InterpreterFacts } from "../../python/facts.ts";
import type { KbDump, StoreFileEntry } from "../types.ts";
import { loadSqlite } from "./loadSqlite.ts";
import {
  rowToCompat,
  rowToEnvironment,
  rowToInterpreter,
  rowToProject,
  rowToRevision,
  type Row,
} from "./rows.ts";

/**
 * Whatever can still be read from a damaged KB file (already moved aside), table by table and row
 * by row: a corrupt page loses the rows on it, not the whole history. Opened read-only, so the
 * damaged file stays exactly as it was for anyone who wants to look at it.
 */
function rows(db: DatabaseSync, sql: string): Row[] {
  const out: Row[] = [];
  try {
    for (const row of db.prepare(sql).iterate()) out.push(row as Row);
  } catch {
    // Keep the rows read before the damage.
  }
  return out;
}

function each<T>(input: Row[], map: (row: Row) => T): T[] {
  const out: T[] = [];
  for (const row of input) {
    try {
      out.push(map(row));
    } catch {
      // A row whose JSON is damaged is skipped.
    }
  }
  return out;
}

export async function salvageSqliteKb(file: string): Promise<Partial<KbDump>> {
  const { DatabaseSync } = await loadSqlite();
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly: true });
  } catch {
    return {};
  }
  try {
    return {
      probes: each(rows(db, "SELECT * FROM probes"), (row) => ({
        key: { path: row.path as string, mtimeMs: row.mtime_ms as number, size: row.size as number },
        facts: JSON.parse(row.facts as string) as InterpreterFacts,
      })),
      interpreters: each(rows(db, "SELECT * FROM interpreters"), rowToInterpreter),
      environments: each(rows(db, "SELECT * FROM environments"), rowToEnvironment),
      revisions: each(rows(db, "SELECT * FROM revisions ORDER BY env_id, number"), rowToRevision),
      storeRefs: each(rows(db, "SELECT * FROM store_refs"), (row) => ({
        wheelSha256: row.wheel_sha256 as string,
        files: JSON.parse(row.files as string) as StoreFileEntry[],
      })),
      compat: each(rows(db, "SELECT * FROM compat"), rowToCompat),
      projects: each(rows(db, "SELECT * FROM projects"), rowToProject),
      metadataBlobs: each(rows(db, "SELECT * FROM metadata_blobs"), (row) => ({
        project: row.project as string,
        filename: row.filename as string,
        text: row.text as string,
      })),
    };
  } finally {
    db.close();
  }
}
