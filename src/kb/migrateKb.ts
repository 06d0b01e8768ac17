import { join } from "node:path";
import { OmnipkgError, UsageError } from "../core/errors.ts";
import type { HomeLayout } from "../core/home.ts";
import { withLock } from "../core/lock.ts";
import { countDump, dumpKeys } from "./countDump.ts";
import { openKnowledgeBase } from "./index.ts";
import { resolveKbLocation, type KbLocation } from "./location.ts";
import { KB_KINDS, type KbCounts, type KbDump, type KnowledgeBase } from "./types.ts";

/**
 * `omnipkg kb migrate --to <url>`: copy this home's knowledge base (and the shared records it
 * holds) from the configured backend to another, then read the target back and verify, kind by
 * kind, that every source record arrived. This home's records in the target are replaced; shared
 * records (package metadata, compatibility results) merge, so a shared Redis may hold more of
 * those than the source: the check is that none of ours is missing.
 */
export interface MigrationRow {
  kind: keyof KbCounts;
  source: number;
  /** Records of that kind in the target after the copy. */
  target: number;
  /** Source records found in the target. */
  copied: number;
  /** Whether the kind is shared between homes (merged) or this home's own (replaced). */
  shared: boolean;
  ok: boolean;
}

export interface MigrationReport {
  from: { backend: string; location: string };
  to: { backend: string; location: string };
  rows: MigrationRow[];
}

const SHARED_KINDS = new Set<keyof KbCounts>(["compat", "projects", "metadataBlobs"]);

function describeLocation(location: KbLocation): string {
  return location.backend === "sqlite" ? location.file : location.display;
}

function sameLocation(a: KbLocation, b: KbLocation): boolean {
  return a.backend === "sqlite"
    ? b.backend === "sqlite" && a.file === b.file
    : b.backend === "redis" && a.url === b.url;
}

function urlOf(location: KbLocation): string {
  return location.backend === "sqlite" ? "sqlite" : location.url;
}

export async function migrateKb(
  layout: HomeLayout,
  options: { to: string; from?: string; redis?: { connectTimeoutMs?: number; commandTimeoutMs?: number } },
): Promise<MigrationReport> {
  const from = resolveKbLocation(layout, options.from === undefined ? {} : { url: options.from });
  const to = resolveKbLocation(layout, { url: options.to });
  if (sameLocation(from, to)) {
    throw new UsageError(`The knowledge base is already at ${describeLocation(to)}; nothing to migrate.`, {
      hint: "Pass --to with the other backend: --to sqlite or --to redis://host:port/db.",
    });
  }
  const redis = options.redis ?? {};
  return withLock(join(layout.locksDir, "home.lock"), async () => {
    const source = await openKnowledgeBase(layout, { url: urlOf(from), redis });
    let target: KnowledgeBase | undefined;
    try {
      target = await openKnowledgeBase(layout, { url: urlOf(to), redis });
      const dump = await source.exportAll();
      await target.importAll(dump);
      const copy = await target.exportAll();
      const rows = verifyCopy(dump, copy);
      const report: MigrationReport = {
        from: { backend: source.backend, location: source.location },
        to: { backend: target.backend, location: target.location },
        rows,
      };
      const bad = rows.filter((r) => !r.ok);
      if (bad.length > 0) {
        const detail = bad.map((r) => `${r.kind}: ${r.copied} of ${r.source}`).join(", ");
        throw new OmnipkgError(
          "KB_MIGRATE_MISMATCH",
          `The copy to ${target.location} is incomplete (${detail}).`,
          {
            hint: "Run the migration again; the source knowledge base was not changed.",
          },
        );
      }
      return report;
    } finally {
      await target?.close();
      await source.close();
    }
  });
}

/** Per kind: how many source records the target holds, and whether that makes a complete copy. */
export function verifyCopy(source: KbDump, target: KbDump): MigrationRow[] {
  const sourceCounts = countDump(source);
  const targetCounts = countDump(target);
  const sourceKeys = dumpKeys(source);
  const targetKeys = dumpKeys(target);
  return KB_KINDS.map((kind) => {
    const present = new Set(targetKeys[kind]);
    const copied = sourceKeys[kind].filter((key) => present.has(key)).length;
    const shared = SHARED_KINDS.has(kind);
    const ok = copied === sourceCounts[kind] && (shared || targetCounts[kind] === sourceCounts[kind]);
    return { kind, source: sourceCounts[kind], target: targetCounts[kind], copied, shared, ok };
  });
}
