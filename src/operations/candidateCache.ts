import { createHash } from "node:crypto";
import { join } from "node:path";
import { readCacheFile, writeCacheFile, type DistFile } from "../index/index.ts";
import type { InstalledDist } from "../install/index.ts";
import type { InterpreterFacts } from "../python/index.ts";
import type { DistCandidate } from "./indexProvider.ts";

/**
 * A project's candidates as the index provider derives them from its files, remembered across
 * runs. The derivation (parse every file name, rank every wheel's tags against the interpreter,
 * judge Requires-Python, pick one file per version) is a pure function of the files, the
 * interpreter facts, the installed version of the project and the sdist policy, and all of them
 * are in the key; the files are those the index client just read (through the page and HTTP
 * caches), so a changed page gives a new key. It saves parsing wheel names and, on a warm run,
 * building the interpreter's ~2,000-tag ranking at all.
 *
 * An entry stores positions in the file list, not files: a hit rebuilds the very candidates a
 * fresh derivation gives, with the client's file objects.
 */

const FORMAT = "candidates-v1";

interface Entry {
  /** Position of the chosen file, or -1 for an installed version the index does not list. */
  f: number;
  version: string;
  kind: DistCandidate["kind"];
  yanked?: boolean;
  installed: boolean;
  requiresPython?: string;
  distInfo?: string;
}

export interface CandidateCache {
  /** Everything the derivation reads: the files, the interpreter, the sdist policy, the installed version. */
  key(
    name: string,
    files: readonly DistFile[],
    inputs: { facts: InterpreterFacts; allowSdists: boolean; installed: InstalledDist | undefined },
  ): string;
  get(key: string, name: string, files: readonly DistFile[]): DistCandidate[] | undefined;
  put(key: string, files: readonly DistFile[], candidates: readonly DistCandidate[]): void;
}

function rebuild(entry: Entry, name: string, files: readonly DistFile[]): DistCandidate | undefined {
  if (typeof entry !== "object" || entry === null || typeof entry.version !== "string") return undefined;
  if (entry.kind === "installed") {
    if (entry.f !== -1 || entry.installed !== true || typeof entry.distInfo !== "string") return undefined;
    return {
      name,
      version: entry.version,
      file: undefined,
      installedDistInfo: entry.distInfo,
      kind: "installed",
      installed: true,
    };
  }
  const file = Number.isInteger(entry.f) ? files[entry.f] : undefined;
  if (file === undefined || (entry.kind !== "wheel" && entry.kind !== "sdist")) return undefined;
  if (typeof entry.yanked !== "boolean" || typeof entry.installed !== "boolean") return undefined;
  if (entry.requiresPython !== undefined && typeof entry.requiresPython !== "string") return undefined;
  return {
    name,
    version: entry.version,
    file,
    kind: entry.kind,
    yanked: entry.yanked,
    installed: entry.installed,
    ...(entry.requiresPython !== undefined ? { requiresPython: entry.requiresPython } : {}),
  };
}

export function createCandidateCache(dir: string): CandidateCache {
  const pathFor = (key: string): string => join(dir, `${key}.json`);
  // The interpreter facts are serialised once per facts object, not once per project.
  const contexts = new WeakMap<InterpreterFacts, string>();
  return {
    key(name, files, { facts, allowSdists, installed }) {
      let context = contexts.get(facts);
      if (context === undefined) {
        context = JSON.stringify([FORMAT, facts]);
        contexts.set(facts, context);
      }
      return createHash("sha256")
        .update(context)
        .update(
          JSON.stringify([
            name,
            allowSdists,
            installed ? [installed.version, installed.distInfo] : null,
            files,
          ]),
        )
        .digest("hex");
    },
    get(key, name, files) {
      const stored = readCacheFile(pathFor(key)) as { key?: unknown; entries?: unknown } | undefined;
      if (!stored || stored.key !== key || !Array.isArray(stored.entries)) return undefined;
      const out: DistCandidate[] = [];
      for (const entry of stored.entries as Entry[]) {
        const candidate = rebuild(entry, name, files);
        if (candidate === undefined) return undefined;
        out.push(candidate);
      }
      return out;
    },
    put(key, files, candidates) {
      const entries: Entry[] = [];
      for (const c of candidates) {
        if (c.kind === "installed") {
          entries.push({
            f: -1,
            version: c.version,
            kind: c.kind,
            installed: true,
            distInfo: c.installedDistInfo!,
          });
          continue;
        }
        const f = c.file === undefined ? -1 : files.indexOf(c.file);
        if (f < 0 || (c.kind !== "wheel" && c.kind !== "sdist")) return; // not derived from these files
        entries.push({
          f,
          version: c.version,
          kind: c.kind,
          yanked: c.yanked === true,
          installed: c.installed === true,
          ...(c.requiresPython ? { requiresPython: c.requiresPython } : {}),
        });
      }
      writeCacheFile(pathFor(key), { key, entries });
    },
  };
}
