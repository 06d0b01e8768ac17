import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { createDebug } from "../core/debug.ts";

const debug = createDebug("index");

/**
 * On-disk HTTP cache for index pages and metadata files (not distribution downloads: those go to
 * the store). Entries are keyed by URL (credentials removed) and Accept header; one file holds a
 * JSON header line and the body. Freshness follows RFC 9111 in the parts indexes use:
 * `Cache-Control: max-age` (less `Age`), `no-cache` (always revalidate), `no-store` (never stored),
 * `Expires` as a fallback; with none of them an entry is stale at once, so it is revalidated with
 * `If-None-Match` / `If-Modified-Since` and a 304 costs no body transfer.
 *
 * Entries are renamed into place but not fsynced: a lost entry after a power cut only costs a
 * refetch, and fsyncing hundreds of small files would dominate a cold run. The header carries the
 * body's sha256 so a damaged file reads as a miss, never as a wrong page.
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

export class HttpCache {
  readonly dir: string;
  private readonly madeDirs = new Set<string>();

  constructor(dir: string) {
    this.dir = dir;
  }

  private pathFor(url: string, accept: string): string {
    const key = createHash("sha256").update(`${url}\n${accept}`).digest("hex");
    // One flat folder: creating 256 fan-out folders cost more than it saves at index-cache sizes
    // (thousands of entries, which ext4's hashed directories handle well).
    return join(this.dir, `${key}.entry`);
  }

  /** One file per entry: a JSON header line (JSON.stringify never emits a raw newline), then the body. */
  get(url: string, accept: string): CachedResponse | undefined {
    try {
      const data = readFileSync(this.pathFor(url, accept));
      const newline = data.indexOf(10);
      if (newline < 0) return undefined;
      const entry = JSON.parse(data.subarray(0, newline).toString("utf8")) as CacheEntry;
      const body = data.subarray(newline + 1);
      if (entry.url !== url) return undefined;
      if (createHash("sha256").update(body).digest("hex") !== entry.bodySha256) return undefined;
      return { entry, body };
    } catch {
      return undefined;
    }
  }

  put(url: string, accept: string, entry: Omit<CacheEntry, "bodySha256" | "url">, body: Buffer): void {
    const full: CacheEntry = { ...entry, url, bodySha256: createHash("sha256").update(body).digest("hex") };
    this.write(this.pathFor(url, accept), full, body);
  }

  /** A 304 refreshes the header; the body is the one already cached. */
  refresh(url: string, accept: string, cached: CachedResponse, update: Partial<CacheEntry>): void {
    this.write(this.pathFor(url, accept), { ...cached.entry, ...update }, cached.body);
  }

  /**
   * Temp file + rename, so readers never see a torn entry. Synchronous on purpose: measured here,
   * Node's promise-based fs costs more per small file than the blocking calls (a thread-pool hop,
   * a FileHandle and its finaliser per write), and entries are a few KB. A failed write only loses
   * that entry.
   */
  private write(path: string, entry: CacheEntry, body: Buffer): void {
    const dir = dirname(path);
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      if (!this.madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      const fd = openSync(tmp, "w", 0o644);
      try {
        writeSync(fd, JSON.stringify(entry) + "\n");
        writeSync(fd, body);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch (error) {
      rmSync(tmp, { force: true });
      debug(`cache write failed: ${(error as Error).message}`);
    }
  }
}
