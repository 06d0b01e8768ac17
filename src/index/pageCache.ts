import { createHash } from "node:crypto";
import { join } from "node:path";
import { readCacheFile, writeCacheFile } from "./cacheFile.ts";
import type { PageResponse } from "./http.ts";
import { readProjectPage, type ReadPageResult } from "./readPage.ts";
import type { DistFile } from "./types.ts";

/**
 * Parsed project pages, remembered across runs. HTML parsing (htmlparser2, URL resolution of every
 * link) is most of what reading a page costs once its bytes are at hand, and a warm install reads
 * the same unchanged pages every time.
 *
 * The key is the page's *content*: sha256 of the body plus everything else the parse reads (final
 * URL, which relative links resolve against; Content-Type, which picks the parser; the display URL,
 * which the API-version warning quotes). So this is a memo of a pure function and can never serve a
 * page other than the one the transport just produced: a file:// page edited on disk (even within
 * one mtime tick, at the same size) has new bytes and so a new key, and an HTTP page still goes
 * through the HTTP cache's freshness rules (fresh / revalidated / refetched) before its body gets
 * here. Hashing a page costs microseconds; parsing it cost a hundred or more.
 *
 * Pages that fail to parse are never stored (the error is raised again on the next run).
 */

/** Bump when the parsers or the stored shape change: old entries then simply miss. */
const FORMAT = "page-v1";

export interface PageCache {
  /** `readProjectPage`, answered from the cache when these exact bytes were parsed before. */
  read(page: PageResponse, displayUrl: string): Promise<ReadPageResult>;
}

function keyOf(page: PageResponse, displayUrl: string): string {
  return createHash("sha256")
    .update(`${FORMAT}\n${page.finalUrl}\n${page.contentType}\n${displayUrl}\n`)
    .update(page.body)
    .digest("hex");
}

function isHashMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string")
  );
}

function optional<T>(value: unknown, check: (v: unknown) => v is T): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (!check(value)) throw new Error("bad field");
  return value;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number";

/**
 * Rebuild a stored file exactly as the parsers build it (same keys, in the same order, `undefined`
 * where JSON dropped the key), so a cached page is indistinguishable from a freshly parsed one.
 */
function restoreFile(raw: unknown): Omit<DistFile, "index"> {
  const f = raw as Record<string, unknown>;
  if (
    typeof f !== "object" ||
    f === null ||
    !isString(f.filename) ||
    !isString(f.url) ||
    !isHashMap(f.hashes)
  )
    throw new Error("bad file");
  const yanked = f.yanked;
  if (typeof yanked !== "boolean" && !isString(yanked)) throw new Error("bad yanked");
  const core = f.coreMetadata;
  if (
    core !== false &&
    !(typeof core === "object" && core !== null && isHashMap((core as { hashes?: unknown }).hashes))
  )
    throw new Error("bad coreMetadata");
  return {
    filename: f.filename,
    url: f.url,
    hashes: f.hashes,
    requiresPython: optional(f.requiresPython, isString),
    yanked,
    coreMetadata: core === false ? false : { hashes: (core as { hashes: Record<string, string> }).hashes },
    uploadTime: optional(f.uploadTime, isString),
    size: optional(f.size, isNumber),
  };
}

function restorePage(raw: unknown): ReadPageResult | undefined {
  try {
    const p = raw as Record<string, unknown>;
    if (typeof p !== "object" || p === null || !Array.isArray(p.files) || !isString(p.apiVersion))
      return undefined;
    const name = optional(p.name, isString);
    const page: ReadPageResult = { name, files: p.files.map(restoreFile), apiVersion: p.apiVersion };
    if (p.versions !== undefined) {
      if (!Array.isArray(p.versions) || !p.versions.every(isString)) return undefined;
      page.versions = p.versions;
    }
    if (p.warning !== undefined) {
      if (!isString(p.warning)) return undefined;
      page.warning = p.warning;
    }
    return page;
  } catch {
    return undefined;
  }
}

export function createPageCache(dir: string): PageCache {
  return {
    async read(page, displayUrl) {
      const key = keyOf(page, displayUrl);
      // One flat folder, as for the HTTP cache: fan-out folders cost a mkdir each on a cold run.
      const path = join(dir, `${key}.json`);
      const stored = readCacheFile(path) as { key?: unknown; page?: unknown } | undefined;
      if (stored && stored.key === key) {
        const restored = restorePage(stored.page);
        if (restored) return restored;
      }
      const parsed = await readProjectPage(page, displayUrl);
      writeCacheFile(path, { key, page: parsed });
      return parsed;
    },
  };
}
