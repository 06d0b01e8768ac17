import { join } from "node:path";
import { readCacheFile, writeCacheFile } from "../index/index.ts";
import {
  checkPrepared,
  PREPARED_FORMAT,
  type CandidateMetadata,
  type PreparedRequirements,
} from "../resolve/index.ts";

/**
 * What the resolver needs from a wheel's METADATA (Requires-Dist, Requires-Python, and the lines
 * already prepared: names and marker trees), remembered per wheel sha256 across runs. A wheel is
 * immutable, so an entry never goes stale; it saves reading the wheel's manifest from the store,
 * reading and parsing METADATA, and parsing every Requires-Dist line, for each of the twenty-odd
 * wheels of a warm install.
 *
 * Keyed like the knowledge base's metadata cache (file name and sha256, the index's claim about
 * the file), and only for wheels: an sdist's metadata comes from a build on one interpreter.
 * An entry that is missing, damaged, of another format or inconsistent with itself is a miss.
 */

const FORMAT = `wheel-facts-v1-prepared-${PREPARED_FORMAT}`;

export interface WheelFacts extends CandidateMetadata {
  readonly requiresDist: readonly string[];
  readonly requiresPython: string | null;
  readonly prepared: PreparedRequirements;
}

export interface WheelFactsCache {
  get(filename: string, sha256: string): WheelFacts | undefined;
  put(filename: string, sha256: string, facts: WheelFacts): void;
}

function consistent(lines: readonly string[], prepared: PreparedRequirements): boolean {
  if (prepared.invalid !== undefined) return lines.includes(prepared.invalid);
  return prepared.items.length === lines.length && prepared.items.every((item, i) => item.text === lines[i]);
}

export function createWheelFactsCache(dir: string): WheelFactsCache {
  const pathFor = (sha256: string): string => join(dir, `${sha256}.json`);
  return {
    get(filename, sha256) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
      const raw = readCacheFile(pathFor(sha256)) as Record<string, unknown> | undefined;
      if (!raw || raw.format !== FORMAT || raw.sha256 !== sha256 || raw.filename !== filename)
        return undefined;
      const { requiresDist, requiresPython } = raw;
      if (!Array.isArray(requiresDist) || !requiresDist.every((l) => typeof l === "string")) return undefined;
      if (requiresPython !== null && typeof requiresPython !== "string") return undefined;
      const prepared = checkPrepared(raw.prepared);
      if (!prepared || !consistent(requiresDist as string[], prepared)) return undefined;
      return { requiresDist: requiresDist as string[], requiresPython, prepared };
    },
    put(filename, sha256, facts) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) return;
      writeCacheFile(pathFor(sha256), {
        format: FORMAT,
        filename,
        sha256,
        requiresDist: facts.requiresDist,
        requiresPython: facts.requiresPython,
        prepared: facts.prepared,
      });
    },
  };
}
