import type { HomeLayout } from "../core/home.ts";
import { resolveKbLocation } from "./location.ts";
import type { KnowledgeBase } from "./types.ts";

/**
 * Public surface of the knowledge base. Backends load lazily: an SQLite user never loads ioredis,
 * a Redis user never loads node:sqlite.
 */
export type * from "./types.ts";
export { KB_KINDS } from "./types.ts";
export {
  KbBusy,
  KbCorrupt,
  KbInaccessible,
  KbMissing,
  KbTooNew,
  KbUnavailable,
  KbUrlInvalid,
} from "./errors.ts";
export { resolveKbLocation, type KbLocation } from "./location.ts";
export { ensureHomeId } from "./homeId.ts";

export interface OpenKbOptions {
  /** `redis://host:port/db`, `sqlite`, or undefined to follow OMNIPKG_KB and config.toml. */
  url?: string;
  busyTimeoutMs?: number;
  /** Redis connection bounds (tests shorten them). */
  redis?: { connectTimeoutMs?: number; commandTimeoutMs?: number };
}

/** Records still readable from a damaged SQLite KB file (for `rebuild-kb`). */
export async function salvageSqliteKb(file: string): Promise<Partial<import("./types.ts").KbDump>> {
  const { salvageSqliteKb: salvage } = await import("./sqlite/salvage.ts");
  return salvage(file);
}

export async function openKnowledgeBase(
  layout: HomeLayout,
  options: OpenKbOptions = {},
): Promise<KnowledgeBase> {
  const location = resolveKbLocation(layout, options.url === undefined ? {} : { url: options.url });
  if (location.backend === "sqlite") {
    const { openSqliteKb } = await import("./sqlite/openSqliteKb.ts");
    return openSqliteKb(
      location.file,
      options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs },
    );
  }
  const { openRedisKb } = await import("./redis/openRedisKb.ts");
  return openRedisKb(layout, location.url, location.display, options.redis ?? {});
}
