import { canonicalizeName } from "../standards/names.ts";
import type { Bubble } from "../bubbles/bubbleManifest.ts";
import type { InstalledDist } from "../install/distInfo.ts";
import { displayVersion } from "./inspectDists.ts";

/**
 * A bubble's manifest lists what it takes from main with the versions it was resolved against. When
 * main changes under it, the loader refuses the bubble (StaleBubble); list and check say so first.
 */

/** A "main" entry of a bubble manifest that main no longer satisfies. */
export interface StaleEntry {
  name: string;
  /** The version the bubble was resolved against. */
  expected: string;
  /** What main has now, or null when main lacks it. */
  mainVersion: string | null;
}

function sameVersion(a: string, b: string): boolean {
  return displayVersion(a) === displayVersion(b);
}

export function staleEntries(
  bubble: Bubble,
  main: Map<string, Pick<InstalledDist, "version">>,
): StaleEntry[] {
  const out: StaleEntry[] = [];
  for (const dist of bubble.manifest.dists) {
    if (dist.location !== "main") continue;
    const have = main.get(canonicalizeName(dist.name));
    if (have && sameVersion(have.version, dist.version)) continue;
    out.push({
      name: dist.name,
      expected: dist.version,
      mainVersion: have ? displayVersion(have.version) : null,
    });
  }
  return out;
}
