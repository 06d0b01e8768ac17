import { parseState } from "../records.ts";
import type { InterpreterFacts } from "../../python/facts.ts";
import type {
  CompatResult,
  EnvironmentEntry,
  InterpreterEntry,
  ProjectMetadata,
  Revision,
  RevisionChanges,
} from "../types.ts";

/** Row → record mapping for the SQLite backend (column names are snake_case, records camelCase). */
export type Row = Record<string, unknown>;

export function rowToInterpreter(row: Row): InterpreterEntry {
  return {
    id: row.id as string,
    path: row.path as string,
    version: row.version as string,
    facts: row.facts === null ? null : (JSON.parse(row.facts as string) as InterpreterFacts),
  };
}

export function rowToEnvironment(row: Row): EnvironmentEntry {
  return {
    id: row.id as string,
    interpreterId: row.interpreter_id as string,
    path: row.path as string,
    kind: row.kind as "main" | "bubble",
    parentId: (row.parent_id as string | null) ?? null,
    name: (row.name as string | null) ?? null,
    version: (row.version as string | null) ?? null,
  };
}

export function rowToRevision(row: Row): Revision {
  return {
    envId: row.env_id as string,
    number: row.number as number,
    timeMs: row.time_ms as number,
    command: row.command as string,
    ...(JSON.parse(row.changes as string) as RevisionChanges),
    ...(typeof row.state === "string" ? { state: parseState(row.state)! } : {}),
  };
}

export function rowToCompat(row: Row): CompatResult {
  return {
    package: row.package as string,
    version: row.version as string,
    interpreter: row.interpreter as string,
    ok: row.ok === 1,
    message: row.message as string,
    importMs: (row.import_ms as number | null) ?? null,
    recordedAtMs: row.recorded_at_ms as number,
  };
}

export function rowToProject(row: Row): ProjectMetadata {
  return {
    project: row.project as string,
    versions: JSON.parse(row.versions as string) as string[],
    data: JSON.parse(row.data as string) as unknown,
    fetchedAtMs: row.fetched_at_ms as number,
  };
}
