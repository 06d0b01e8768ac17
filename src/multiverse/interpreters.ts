import { existsSync } from "node:fs";
import { join } from "node:path";
import type { InterpreterRecord, OmnipkgConfig } from "../core/config.ts";
import { OmnipkgError } from "../core/errors.ts";
import { NoSuchInterpreter } from "./errors.ts";

/**
 * Turning "3.9", "3.9.18", an id, or "all" into adopted interpreters. A request names a version
 * prefix on whole components ("3.1" never matches 3.11); several matches pick the newest.
 */

export interface Target {
  id: string;
  version: string;
  /** The managed environment's python: workers and `run` always use the environment, never the bare interpreter. */
  python: string;
  envDir: string;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(".").map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function envPython(envDir: string): string {
  return join(envDir, "bin", "python");
}

function toTarget(record: InterpreterRecord): Target {
  const python = envPython(record.envDir);
  // A registry entry whose environment is gone still runs, on the real interpreter, rather than
  // failing: the bubbles and the omnipkg package are missing then, which the worker reports.
  return {
    id: record.id,
    version: record.version,
    python: existsSync(python) ? python : record.path,
    envDir: record.envDir,
  };
}

export function listTargets(config: OmnipkgConfig): Target[] {
  return Object.values(config.interpreters)
    .sort((a, b) => compareVersions(a.version, b.version))
    .map(toTarget);
}

export function resolveTarget(config: OmnipkgConfig, request: string | undefined): Target {
  const records = Object.values(config.interpreters);
  const adopted = records.map((r) => r.id);
  const wanted = (request ?? config.activePython ?? "").trim();
  if (!wanted) {
    const only = records.length === 1 ? records[0] : undefined;
    if (only) return toTarget(only);
    throw new OmnipkgError("NO_INTERPRETER", "No interpreter was asked for and none is active.", {
      hint: adopted.length
        ? `Pass --python (adopted: ${adopted.join(", ")}) or run \`omnipkg swap python <version>\`.`
        : "Adopt one first: omnipkg python adopt 3.12",
    });
  }
  const exact = config.interpreters[wanted] ?? records.find((r) => r.version === wanted);
  if (exact) return toTarget(exact);
  const prefix = wanted.replace(/^(python|py)/i, "");
  const matches = records
    .filter((r) => r.version === prefix || r.version.startsWith(`${prefix}.`))
    .sort((a, b) => compareVersions(b.version, a.version));
  if (!matches[0]) throw new NoSuchInterpreter(wanted, adopted);
  return toTarget(matches[0]);
}

/** "3.9,3.11" or "all" (or nothing: all adopted), in version order without duplicates. */
export function resolveTargets(config: OmnipkgConfig, request: string | undefined): Target[] {
  if (!request || request.trim() === "all") {
    const all = listTargets(config);
    if (!all.length) throw new NoSuchInterpreter("all", []);
    return all;
  }
  const seen = new Map<string, Target>();
  for (const part of request
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const target = resolveTarget(config, part);
    seen.set(target.id, target);
  }
  return [...seen.values()];
}
