import { homedir } from "node:os";
import { resolve } from "node:path";
import { UsageError } from "../core/errors.ts";
import type { InterpreterFacts } from "./facts.ts";

/**
 * What the user asked for, as data: `3`, `3.9`, `3.9.18` (optionally with a `t` for free-threaded
 * builds, or a `python` prefix as in `python3.9`), or a path (anything with a slash, `.` or `~`).
 * A partial version matches every release below it, and the newest one wins.
 */
export type InterpreterRequest =
  | { kind: "version"; text: string; parts: number[]; freeThreaded: boolean }
  | { kind: "path"; text: string; path: string };

const VERSION = /^(?:python|cpython)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(t?)$/i;

export function parseInterpreterRequest(text: string, cwd: string = process.cwd()): InterpreterRequest {
  const trimmed = text.trim();
  if (trimmed.includes("/") || trimmed.startsWith(".") || trimmed.startsWith("~")) {
    const expanded = trimmed.startsWith("~/") ? homedir() + trimmed.slice(1) : trimmed;
    return { kind: "path", text: trimmed, path: resolve(cwd, expanded) };
  }
  const m = VERSION.exec(trimmed);
  if (!m) {
    throw new UsageError(`"${text}" is neither a Python version (like 3.11 or 3.9.18) nor a path.`);
  }
  const parts = [m[1], m[2], m[3]].filter((p): p is string => p !== undefined).map(Number);
  return { kind: "version", text: trimmed, parts, freeThreaded: m[4] === "t" };
}

export function versionParts(version: string): number[] {
  return version
    .split(/[^\d]+/)
    .filter(Boolean)
    .map(Number);
}

export function compareVersionStrings(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function versionMatches(
  request: InterpreterRequest & { kind: "version" },
  version: string,
  freeThreaded: boolean,
): boolean {
  if (request.freeThreaded !== freeThreaded) return false;
  const parts = versionParts(version);
  return request.parts.every((p, i) => parts[i] === p);
}

/** The id an interpreter gets in the home: "3.9.18", "3.13.0t", "pypy-3.10.14". */
export function interpreterIdFor(facts: InterpreterFacts): string {
  const prefix = facts.implementation === "cpython" ? "" : `${facts.implementation}-`;
  return `${prefix}${facts.version}${facts.free_threaded ? "t" : ""}`;
}
