/**
 * A project's universe: its candidates parsed and sorted oldest to newest, which is the index
 * space every version set of that project lives in. Candidates whose version is not PEP 440 are
 * left out (pip ignores them too).
 */
import { createDebug } from "../core/debug.ts";
import { parseVersion, type Version } from "../standards/index.ts";
import { bitsFromIndices, type Bits } from "./bitset.ts";
import type { Candidate } from "./types.ts";

const debug = createDebug("resolve");

export interface Universe<C extends Candidate> {
  readonly name: string;
  readonly candidates: readonly C[];
  readonly versions: readonly Version[];
  /** Normalised version text, for messages. */
  readonly texts: readonly string[];
  readonly prerelease: Bits;
  readonly yanked: Bits;
  /** Index of the version to try first (preferred or installed), or -1. */
  readonly preferred: number;
}

export function buildUniverse<C extends Candidate>(
  name: string,
  raw: readonly C[],
  preferredVersion: string | undefined,
): Universe<C> {
  const parsed: { candidate: C; version: Version }[] = [];
  const seen = new Set<string>();
  for (const candidate of raw) {
    let version: Version;
    try {
      version = parseVersion(candidate.version);
    } catch {
      debug(`${name}: skipping candidate with invalid version '${candidate.version}'`);
      continue;
    }
    const key = `${version.toString()}\0${candidate.url ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    parsed.push({ candidate, version });
  }
  // Ties (the same version from the index and from a URL) put the URL candidate last, so that
  // "newest first" prefers what the user pointed at.
  parsed.sort(
    (a, b) =>
      a.version.compare(b.version) ||
      Number(a.candidate.url !== undefined) - Number(b.candidate.url !== undefined),
  );

  const prerelease: number[] = [];
  const yanked: number[] = [];
  let preferred = -1;
  const wanted = preferredVersion === undefined ? undefined : safeParse(preferredVersion);
  parsed.forEach(({ candidate, version }, i) => {
    if (version.isPrerelease) prerelease.push(i);
    if (candidate.yanked === true) yanked.push(i);
    if (candidate.url !== undefined) return;
    if (wanted !== undefined ? version.equals(wanted) : candidate.installed === true) preferred = i;
  });
  const size = parsed.length;
  return {
    name,
    candidates: parsed.map((p) => p.candidate),
    versions: parsed.map((p) => p.version),
    texts: parsed.map((p) => p.version.toString()),
    prerelease: bitsFromIndices(size, prerelease),
    yanked: bitsFromIndices(size, yanked),
    preferred,
  };
}

function safeParse(text: string): Version | undefined {
  try {
    return parseVersion(text);
  } catch {
    return undefined;
  }
}
