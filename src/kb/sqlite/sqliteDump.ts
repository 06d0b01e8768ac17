import type { InterpreterFacts } from "../../python/facts.ts";
import { revisionChanges, stateText } from "../records.ts";
import type { KbCounts, KbDump, StoreFileEntry } from "../types.ts";
import { fileListId, parseFiles } from "./fileLists.ts";
import {
  rowToCompat,
  rowToEnvironment,
  rowToInterpreter,
  rowToProject,
  rowToRevision,
  type Row,
} from "./rows.ts";
import type { SqliteKnowledgeBase } from "./sqliteKb.ts";

/**
 * Whole-KB operations for `kb status` and `kb migrate`. They run inside the caller's unit of work
 * (importAll inside one IMMEDIATE transaction), so a failed import leaves the old content.
 */

const COUNT_QUERIES: Record<keyof KbCounts, string> = {
  probes: "SELECT count(*) AS n FROM probes",
  interpreters: "SELECT count(*) AS n FROM interpreters",
  environments: "SELECT count(*) AS n FROM environments",
  distributions: "SELECT count(*) AS n FROM distributions",
  files:
    "SELECT coalesce(sum(json_array_length(l.files)), 0) AS n FROM distributions d JOIN file_lists l ON l.id = d.files_id",
  revisions: "SELECT count(*) AS n FROM revisions",
  storeRefs: "SELECT count(*) AS n FROM store_refs",
  compat: "SELECT count(*) AS n FROM compat",
  projects: "SELECT count(*) AS n FROM projects",
  metadataBlobs: "SELECT count(*) AS n FROM metadata_blobs",
};

export function countAll(kb: SqliteKnowledgeBase): KbCounts {
  const counts = {} as KbCounts;
  for (const [kind, query] of Object.entries(COUNT_QUERIES)) {
    counts[kind as keyof KbCounts] = (kb.sql(query).get() as { n: number }).n;
  }
  return counts;
}

function all(kb: SqliteKnowledgeBase, query: string): Row[] {
  return kb.sql(query).all() as Row[];
}

export function exportAll(kb: SqliteKnowledgeBase): KbDump {
  return {
    probes: all(kb, "SELECT * FROM probes ORDER BY path").map((row) => ({
      key: { path: row.path as string, mtimeMs: row.mtime_ms as number, size: row.size as number },
      facts: JSON.parse(row.facts as string) as InterpreterFacts,
    })),
    interpreters: all(kb, "SELECT * FROM interpreters ORDER BY id").map(rowToInterpreter),
    environments: all(kb, "SELECT * FROM environments ORDER BY id").map(rowToEnvironment),
    distributions: all(
      kb,
      `SELECT d.*, l.files AS files_text FROM distributions d LEFT JOIN file_lists l ON l.id = d.files_id
       ORDER BY d.env_id, d.name`,
    ).map((row) => ({
      envId: row.env_id as string,
      distribution: {
        name: row.name as string,
        version: row.version as string,
        installer: row.installer as string,
        wheelSha256: (row.wheel_sha256 as string | null) ?? null,
        requested: row.requested === 1,
        files: parseFiles(row.files_text),
      },
    })),
    revisions: all(kb, "SELECT * FROM revisions ORDER BY env_id, number").map(rowToRevision),
    storeRefs: all(kb, "SELECT * FROM store_refs ORDER BY wheel_sha256").map((row) => ({
      wheelSha256: row.wheel_sha256 as string,
      files: JSON.parse(row.files as string) as StoreFileEntry[],
    })),
    compat: all(kb, "SELECT * FROM compat ORDER BY package, version, interpreter").map(rowToCompat),
    projects: all(kb, "SELECT * FROM projects ORDER BY project").map(rowToProject),
    metadataBlobs: all(kb, "SELECT * FROM metadata_blobs ORDER BY project, filename").map((row) => ({
      project: row.project as string,
      filename: row.filename as string,
      text: row.text as string,
    })),
  };
}

export function importAll(kb: SqliteKnowledgeBase, dump: KbDump): void {
  // This home's records are replaced; cascades clear environments, distributions and revisions.
  for (const table of ["probes", "interpreters", "store_refs"]) kb.sql(`DELETE FROM ${table}`).run();
  const probe = kb.sql("INSERT INTO probes (path, mtime_ms, size, facts) VALUES (?, ?, ?, ?)");
  for (const p of dump.probes) probe.run(p.key.path, p.key.mtimeMs, p.key.size, JSON.stringify(p.facts));
  const interp = kb.sql("INSERT INTO interpreters (id, path, version, facts) VALUES (?, ?, ?, ?)");
  for (const i of dump.interpreters) {
    interp.run(i.id, i.path, i.version, i.facts === null ? null : JSON.stringify(i.facts));
  }
  const env = kb.sql(
    "INSERT INTO environments (id, interpreter_id, path, kind, parent_id, name, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  // Parents before their bubbles, for the foreign key.
  const ordered = [...dump.environments].sort(
    (a, b) => Number(a.parentId !== null) - Number(b.parentId !== null),
  );
  for (const e of ordered) env.run(e.id, e.interpreterId, e.path, e.kind, e.parentId, e.name, e.version);
  const dist = kb.sql(
    `INSERT INTO distributions (env_id, name, version, installer, wheel_sha256, requested, file_count, files_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const { envId, distribution: d } of dump.distributions) {
    const filesId = fileListId(kb, d.wheelSha256, d.files);
    dist.run(
      envId,
      d.name,
      d.version,
      d.installer,
      d.wheelSha256,
      d.requested ? 1 : 0,
      d.files.length,
      filesId,
    );
  }
  const rev = kb.sql(
    "INSERT INTO revisions (env_id, number, time_ms, command, changes, state) VALUES (?, ?, ?, ?, ?, ?)",
  );
  for (const r of dump.revisions) {
    rev.run(r.envId, r.number, r.timeMs, r.command, JSON.stringify(revisionChanges(r)), stateText(r.state));
  }
  const ref = kb.sql("INSERT INTO store_refs (wheel_sha256, files) VALUES (?, ?)");
  for (const s of dump.storeRefs) ref.run(s.wheelSha256, JSON.stringify(s.files));
  // Shared records merge: another machine's results stay.
  const compat = kb.sql(
    `INSERT OR REPLACE INTO compat (package, version, interpreter, ok, message, import_ms, recorded_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const c of dump.compat) {
    compat.run(c.package, c.version, c.interpreter, c.ok ? 1 : 0, c.message, c.importMs, c.recordedAtMs);
  }
  const project = kb.sql(
    "INSERT OR REPLACE INTO projects (project, versions, data, fetched_at_ms) VALUES (?, ?, ?, ?)",
  );
  for (const p of dump.projects) {
    project.run(p.project, JSON.stringify(p.versions), JSON.stringify(p.data ?? null), p.fetchedAtMs);
  }
  const blob = kb.sql("INSERT OR REPLACE INTO metadata_blobs (project, filename, text) VALUES (?, ?, ?)");
  for (const b of dump.metadataBlobs) blob.run(b.project, b.filename, b.text);
}
