import { existsSync, realpathSync } from "node:fs";
import type { InterpreterRecord, OmnipkgConfig } from "../core/config.ts";
import { InterpreterGone, ManagedEnvMissing, NotAdopted } from "./errors.ts";
import { isEnvHealthy } from "./envPaths.ts";
import { compareVersionStrings, parseInterpreterRequest, versionMatches } from "./request.ts";

/**
 * Matching a request against the adopted interpreters only (swap, which, remove). This path reads
 * the config and nothing else: no probe, no knowledge base.
 */

export function adoptedIds(config: OmnipkgConfig): string[] {
  return Object.keys(config.interpreters).sort((a, b) => compareVersionStrings(b, a) || a.localeCompare(b));
}

export function findAdopted(config: OmnipkgConfig, requestText: string): InterpreterRecord {
  const exact = config.interpreters[requestText];
  if (exact) return exact;
  const request = parseInterpreterRequest(requestText);
  const records = Object.values(config.interpreters);
  let matches: InterpreterRecord[];
  if (request.kind === "path") {
    let real = request.path;
    try {
      real = realpathSync(request.path);
    } catch {
      // compare the path as given
    }
    matches = records.filter((r) => r.path === real);
  } else {
    matches = records.filter(
      (r) => r.implementation === "cpython" && versionMatches(request, r.version, r.id.endsWith("t")),
    );
  }
  matches.sort((a, b) => compareVersionStrings(b.version, a.version));
  const match = matches[0];
  if (!match) throw new NotAdopted(requestText, adoptedIds(config));
  return match;
}

/** The interpreter and its environment must both still exist before anything points at them. */
export function assertUsable(record: InterpreterRecord): void {
  if (!existsSync(record.path)) throw new InterpreterGone(record.id, record.path);
  if (!isEnvHealthy(record.envDir)) throw new ManagedEnvMissing(record.id, record.envDir);
}
