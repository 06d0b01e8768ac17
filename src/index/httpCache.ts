import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * On-disk HTTP cache for index pages and metadata files (not distribution downloads: those go to
 * the store). Entries are keyed by URL (credentials removed) and Accept header, and hold the body
 * beside a small JSON header record. Freshness follows RFC 9111 in the parts indexes use:
 * `Cache-Control: max-age` (less `Age`), `no-cache` (always revalidate), `no-store` (never stored),
 * `Expires` as a fallback; with none of them an entry is stale at once, so it is revalidated with
 * `If-None-Match` / `If-Modified-Since` and a 304 costs no body transfer.
 *
 * Cache files are renamed into place but not fsynced: a lost entry after a power cut only costs a
 * refetch, and fsyncing hundreds of small files would dominate a cold run.
 *
 * Races: two processes may store the same key at once. The body is written first and the header
 * record second (both atomically) and the record carries the body's sha256, so a reader that sees
 * one writer's record with another's body treats the entry as missing instead of serving it.
 */

export interface CacheEntry {
  url: string;
  /** 200, or 404/410 remembered so that offline mode can skip an index that lacks a project. */
  status?: number;
  finalUrl: string;
  contentType: string;
  etag?: string;
  lastModified?: string;
  /** Absolute time (ms) until which the entry may be used without asking the server. */
  freshUntilMs: number;
  storedAtMs: number;
  bodySha256: string;
}

export interface CachedResponse {
  entry: CacheEntry;
  body: Buffer;
}

export interface Freshness {
  store: boolean;
  freshForMs: number;
}

export function parseFreshness(headers: Headers, nowMs: number): Freshness {
  const cc = (headers.get("cache-control") ?? "").toLowerCase();
  const directives = new Map<string, string>();
  for (const part of cc.split(",")) {
    const [k, v] = part.trim().split("=");
    if (k) directives.set(k.trim(), (v ?? "").trim().replace(/^"|"$/g, ""));
  }
  if (directives.has("no-store")) return { store: false, freshForMs: 0 };
  if (directives.has("no-cache")) return { store: true, freshForMs: 0 };
  const age = Number(headers.get("age") ?? "0") || 0;
  const maxAge = directives.get("max-age");
  if (maxAge !== undefined && /^\d+$/.test(maxAge)) {
    return { store: true, freshForMs: Math.max(0, Number(maxAge) - age) * 1000 };
  }
  const expires = headers.get("expires");
  if (expires) {
    const expiresMs = Date.parse(expires);
    const dateMs = Date.parse(headers.get("date") ?? "") || nowMs;
    if (Number.isFinite(expiresMs)) return { store: true, freshForMs: Math.max(0, expiresMs - dateMs) };
  }
  return { store: true, freshForMs: 0 };
}

function writeReplace(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

export class HttpCache {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  private paths(url: string, accept: string): { meta: string; body: string } {
    const key = createHash("sha256").update(`${url}\n${accept}`).digest("hex");
    const sub = join(this.dir, key.slice(0, 2));
    return { meta: join(sub, `${key}.json`), body: join(sub, `${key}.body`) };
  }

  get(url: string, accept: string): CachedResponse | undefined {
    const p = this.paths(url, accept);
    try {
      const entry = JSON.parse(readFileSync(p.meta, "utf8")) as CacheEntry;
      const body = readFileSync(p.body);
      if (entry.url !== url) return undefined;
      if (createHash("sha256").update(body).digest("hex") !== entry.bodySha256) return undefined;
      return { entry, body };
    } catch {
      return undefined;
    }
  }

  put(url: string, accept: string, entry: Omit<CacheEntry, "bodySha256" | "url">, body: Buffer): void {
    const p = this.paths(url, accept);
    mkdirSync(dirname(p.meta), { recursive: true });
    const full: CacheEntry = { ...entry, url, bodySha256: createHash("sha256").update(body).digest("hex") };
    writeReplace(p.body, body);
    writeReplace(p.meta, JSON.stringify(full));
  }

  /** A 304 refreshes the header record only; the body on disk is unchanged. */
  refresh(url: string, accept: string, cached: CachedResponse, update: Partial<CacheEntry>): void {
    const p = this.paths(url, accept);
    const entry: CacheEntry = { ...cached.entry, ...update };
    writeReplace(p.meta, JSON.stringify(entry));
  }
}
