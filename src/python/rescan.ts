import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { HomeLayout } from "../core/home.ts";
import type { InterpreterRecord } from "../core/config.ts";
import { isEnvHealthy } from "./envPaths.ts";
import { findInterpreters, type FoundInterpreter } from "./findInterpreters.ts";
import { withHomeLock } from "./homeState.ts";
import { installRuntime } from "./installRuntime.ts";
import type { ProbeCache } from "./probe.ts";
import { existsSync } from "node:fs";

/**
 * `python rescan`: discover and probe again, refresh omnipkg's runtime files in every managed
 * environment, delete environment folders no registration points at (left by an interrupted
 * adopt or remove), and report adopted interpreters that have disappeared.
 */
export interface RescanResult {
  found: FoundInterpreter[];
  refreshed: string[];
  missing: InterpreterRecord[];
  brokenEnvs: InterpreterRecord[];
  removedOrphans: string[];
}

export async function rescanPythons(
  layout: HomeLayout,
  options: { cache?: ProbeCache; env?: NodeJS.ProcessEnv } = {},
): Promise<RescanResult> {
  const found = await findInterpreters({ env: options.env, homeRoot: layout.root, cache: options.cache });
  return withHomeLock(layout, ({ config }) => {
    const result: RescanResult = { found, refreshed: [], missing: [], brokenEnvs: [], removedOrphans: [] };
    const registered = new Set(Object.values(config.interpreters).map((r) => r.envDir));
    let names: string[] = [];
    try {
      names = readdirSync(layout.envsDir);
    } catch {
      // no envs yet
    }
    for (const name of names) {
      const dir = join(layout.envsDir, name);
      if (!registered.has(dir)) {
        rmSync(dir, { recursive: true, force: true });
        result.removedOrphans.push(dir);
      }
    }
    for (const record of Object.values(config.interpreters)) {
      if (!existsSync(record.path)) result.missing.push(record);
      else if (!isEnvHealthy(record.envDir)) result.brokenEnvs.push(record);
      else {
        installRuntime(record.envDir);
        result.refreshed.push(record.id);
      }
    }
    return result;
  });
}
