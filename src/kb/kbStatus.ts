import type { HomeLayout } from "../core/home.ts";
import { ensureHomeId } from "./homeId.ts";
import { openKnowledgeBase } from "./index.ts";
import type { KbCounts } from "./types.ts";

/** What `omnipkg kb status` reports: which backend, where, and how many records of each kind. */
export interface KbStatus {
  backend: "sqlite" | "redis";
  location: string;
  /** The id this home's records are keyed by in a shared Redis (null with SQLite). */
  homeId: string | null;
  counts: KbCounts;
}

export async function readKbStatus(
  layout: HomeLayout,
  options: { url?: string; redis?: { connectTimeoutMs?: number; commandTimeoutMs?: number } } = {},
): Promise<KbStatus> {
  const kb = await openKnowledgeBase(layout, options);
  try {
    return {
      backend: kb.backend,
      location: kb.location,
      homeId: kb.backend === "redis" ? ensureHomeId(layout) : null,
      counts: await kb.counts(),
    };
  } finally {
    await kb.close();
  }
}
