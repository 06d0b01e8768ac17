import type { EnvState, InstalledDistribution, RevisionChanges, RevisionInput } from "./types.ts";

/** Small pure helpers both backends share, so their records are byte-for-byte the same shape. */

export function revisionChanges(input: Partial<RevisionChanges>): RevisionChanges {
  return {
    added: input.added ?? [],
    removed: input.removed ?? [],
    changed: input.changed ?? [],
    movedIntoBubble: input.movedIntoBubble ?? [],
    movedOutOfBubble: input.movedOutOfBubble ?? [],
  };
}

/** The snapshot as stored (JSON text), or null when the revision has none. */
export function stateText(state: EnvState | undefined): string | null {
  return state === undefined ? null : JSON.stringify(state);
}

export function parseState(text: unknown): EnvState | undefined {
  return typeof text === "string" && text !== "" ? (JSON.parse(text) as EnvState) : undefined;
}

export function revisionTime(input: RevisionInput): number {
  return Math.round(input.timeMs ?? Date.now());
}

/** Code-point order, the same in both backends and on every locale. */
export function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

export function summarize(
  dist: InstalledDistribution,
): Omit<InstalledDistribution, "files"> & { fileCount: number } {
  return {
    name: dist.name,
    version: dist.version,
    installer: dist.installer,
    wheelSha256: dist.wheelSha256,
    requested: dist.requested,
    fileCount: dist.files.length,
  };
}

/** A change naming the same distribution twice is a caller bug; refuse it before touching storage. */
export function checkChangeNames(put: InstalledDistribution[], remove: string[]): void {
  const seen = new Set<string>();
  for (const name of [...put.map((d) => d.name), ...remove]) {
    if (seen.has(name)) throw new Error(`knowledge base change names the distribution ${name} twice`);
    seen.add(name);
  }
}
