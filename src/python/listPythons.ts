import { existsSync } from "node:fs";
import type { OmnipkgConfig } from "../core/config.ts";
import type { HomeLayout } from "../core/home.ts";
import type { FoundInterpreter } from "./findInterpreters.ts";
import { readActiveId } from "./homeState.ts";
import { compareVersionStrings, interpreterIdFor } from "./request.ts";

/**
 * Rows of `list python`: every interpreter found on the machine plus every adopted one (an adopted
 * interpreter whose file is gone is still listed, marked missing). "Active" is what the `active`
 * link points at, which is what the shims run.
 */
export interface PythonRow {
  id: string;
  version: string;
  implementation: string;
  source: string;
  interpreter: string;
  /** Managed environment, when adopted. */
  env: string | null;
  adopted: boolean;
  active: boolean;
  /** False when an adopted interpreter's executable no longer exists. */
  present: boolean;
}

export function buildPythonRows(
  layout: HomeLayout,
  config: OmnipkgConfig,
  found: FoundInterpreter[],
): PythonRow[] {
  const activeId = readActiveId(layout) ?? config.activePython;
  const rows: PythonRow[] = [];
  const adoptedByPath = new Map(Object.values(config.interpreters).map((r) => [r.path, r]));
  for (const record of Object.values(config.interpreters)) {
    rows.push({
      id: record.id,
      version: record.version,
      implementation: record.implementation,
      source: record.source,
      interpreter: record.path,
      env: record.envDir,
      adopted: true,
      active: record.id === activeId,
      present: existsSync(record.path),
    });
  }
  for (const f of found) {
    if (adoptedByPath.has(f.candidate.realPath)) continue;
    rows.push({
      id: interpreterIdFor(f.facts),
      version: f.facts.version,
      implementation: f.facts.implementation,
      source: f.candidate.source,
      interpreter: f.candidate.realPath,
      env: null,
      adopted: false,
      active: false,
      present: true,
    });
  }
  return rows.sort(
    (a, b) => compareVersionStrings(b.version, a.version) || Number(b.adopted) - Number(a.adopted),
  );
}
