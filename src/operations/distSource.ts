import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDebug } from "../core/debug.ts";
import { OmnipkgError } from "../core/errors.ts";
import { onInterrupt } from "../core/interrupt.ts";
import type { DistFile, IndexClient } from "../index/index.ts";
import type { KnowledgeBase, MetadataBlob } from "../kb/index.ts";
import type { InterpreterFacts } from "../python/index.ts";
import type { Store, WheelManifest } from "../store/index.ts";
import {
  canonicalizeName,
  compareVersions,
  parseSdistFilename,
  parseWheelFilename,
} from "../standards/index.ts";
import { readRemoteWheelMetadata } from "./remoteWheelMetadata.ts";

const debug = createDebug("install");

/**
 * Where the bytes and metadata of a distribution file come from, cheapest first:
 *   the store (a wheel already imported by its index sha256: no network at all),
 *   the knowledge base's metadata cache (shared by a team through Redis),
 *   the PEP 658 metadata file, a range read of the wheel's central directory,
 *   and last a full download (imported into the store, since it will be installed anyway).
 * sdists are built once into a wheel (PEP 517) and the result is remembered by sdist hash and
 * interpreter, so a rebuild never happens twice.
 */

export interface BuildHook {
  (sdistPath: string, outDir: string): Promise<string>;
}

export interface DistSourceOptions {
  client: IndexClient;
  store: Store;
  kb: KnowledgeBase;
  facts: InterpreterFacts;
  tmpDir: string;
  build?: BuildHook;
  /**
   * Import a wheel lying on a file:// index as soon as the resolver expects to pick it or asks for
   * its metadata, not after resolution: the import threads are idle until then, and an install
   * needs the wheel anyway (a version the resolver later drops only leaves a store entry that gc
   * removes). Off for dry runs.
   */
  importLocalWheelsEarly?: boolean;
  onDownloadStart?: (file: DistFile) => void;
  onDownloadProgress?: (file: DistFile, receivedBytes: number, totalBytes: number | undefined) => void;
  onDownloadDone?: (file: DistFile, bytes: number) => void;
}

export interface DistSource {
  metadata(project: string, file: DistFile): Promise<string>;
  wheel(file: DistFile): Promise<WheelManifest>;
  /** A wheel on the local disk (a path or file: URL requirement), imported into the store once. */
  localWheel(path: string): Promise<WheelManifest>;
  /** METADATA text of a stored wheel. */
  manifestMetadata(manifest: WheelManifest): string;
  /**
   * The resolver will most likely pick this file: a wheel on a file:// index starts its import now
   * (with importLocalWheelsEarly), before its metadata is even read.
   */
  expect(file: DistFile): void;
  /** Files fetched over the network (for the report). */
  readonly downloads: number;
  /**
   * Write the metadata read since the last call to the knowledge base, in one commit. It is a
   * cache: a failure is only logged, and a process that dies first loses nothing else.
   */
  saveMetadata(): Promise<void>;
}

function metadataFromManifest(store: Store, manifest: WheelManifest): string {
  const entry = manifest.files.find((f) => f.path === `${manifest.distInfo}/METADATA`);
  if (!entry) throw new OmnipkgError("BAD_WHEEL", `The wheel ${manifest.filename} has no METADATA file.`);
  return readFileSync(store.filePath(entry.sha256), "utf8");
}

/** A backend that builds another project or version than the sdist claims would poison the cache. */
function checkBuiltWheel(sdist: DistFile, wheelFilename: string): void {
  let claimed: { name: string; version: unknown };
  let built: { name: string; version: unknown };
  try {
    claimed = parseSdistFilename(sdist.filename);
    built = parseWheelFilename(wheelFilename);
  } catch {
    return; // an unparsable wheel name is refused by the store import that follows
  }
  if (
    canonicalizeName(claimed.name) !== canonicalizeName(built.name) ||
    compareVersions(String(claimed.version), String(built.version)) !== 0
  ) {
    throw new OmnipkgError(
      "BUILD_FAILED",
      `Building ${sdist.filename} produced ${wheelFilename}, another project or version.`,
      { hint: "The sdist's build backend is misconfigured; report it to the package's authors." },
    );
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function builtKey(file: DistFile, facts: InterpreterFacts): string {
  return `built:${file.hashes.sha256 ?? file.url}:${facts.implementation}-${facts.version}-${facts.platform}`;
}

export function createDistSource(options: DistSourceOptions): DistSource {
  const { client, store, kb, facts } = options;
  const pendingWheels = new Map<string, Promise<WheelManifest>>();
  const rangelessOrigins = new Set<string>();
  let downloads = 0;
  const unsavedMetadata: MetadataBlob[] = [];

  // A stored manifest is immutable (content-addressed by the wheel's hash), and a warm install
  // asks for each one twice (metadata for the resolver, then the wheel): read and parse it once.
  const knownManifests = new Map<string, WheelManifest>();
  const storedManifest = (file: DistFile): WheelManifest | undefined => {
    const sha = file.hashes.sha256;
    if (!sha) return undefined;
    let manifest = knownManifests.get(sha);
    if (manifest === undefined) {
      manifest = store.manifest(sha);
      if (manifest !== undefined) knownManifests.set(sha, manifest);
    }
    return manifest;
  };

  /**
   * Downloads land in a folder private to this source (two processes installing into different
   * environments share the home's tmp), removed again when no download of ours is in flight.
   */
  const downloadsDir = join(options.tmpDir, "downloads", `${process.pid}-${randomBytes(4).toString("hex")}`);
  let inFlight = 0;
  onInterrupt(() => rmSync(downloadsDir, { recursive: true, force: true }));

  async function withDownload<T>(
    file: DistFile,
    use: (path: string, sha256: string) => Promise<T>,
  ): Promise<T> {
    inFlight += 1;
    let path: string | undefined;
    try {
      mkdirSync(downloadsDir, { recursive: true });
      options.onDownloadStart?.(file);
      downloads += 1;
      const result = await client.download(file, downloadsDir, {
        onProgress: (p) => options.onDownloadProgress?.(file, p.receivedBytes, p.totalBytes),
      });
      path = result.path;
      options.onDownloadDone?.(file, result.size);
      return await use(result.path, result.sha256);
    } finally {
      if (path) rmSync(path, { force: true });
      if (--inFlight === 0) rmSync(downloadsDir, { recursive: true, force: true });
    }
  }

  async function fetchWheel(file: DistFile): Promise<WheelManifest> {
    const stored = storedManifest(file);
    if (stored) return stored;
    if (!file.filename.endsWith(".whl")) return buildFromSdist(file);
    const local = localIndexWheel(file);
    if (local) return importLocal(file, local.path, local.size);
    return withDownload(file, (path, sha256) => store.importWheel(path, { expectedSha256: sha256 }));
  }

  /**
   * A wheel on a file:// index or find-links folder is imported where it lies: copying it into
   * the downloads folder (with an fsync) only to hash, unpack and delete it cost a third of a cold
   * install from a local mirror. The store checks the index's sha256 itself. Anything unusual (no
   * sha256 but another hash, a size the index contradicts, an unreadable file) takes the download
   * path, whose checks and messages apply as before.
   */
  function localIndexWheel(file: DistFile): { path: string; size: number } | undefined {
    if (!file.url.startsWith("file:")) return undefined;
    const hashes = Object.keys(file.hashes);
    if (hashes.length > 0 && file.hashes.sha256 === undefined) return undefined;
    try {
      const path = fileURLToPath(file.url);
      const st = statSync(path);
      if (!st.isFile() || (file.size !== undefined && st.size !== file.size)) return undefined;
      return { path, size: st.size };
    } catch {
      return undefined;
    }
  }

  async function importLocal(file: DistFile, path: string, size: number): Promise<WheelManifest> {
    options.onDownloadStart?.(file);
    downloads += 1;
    const manifest = await store.importWheel(path, {
      filename: file.filename,
      ...(file.hashes.sha256 ? { expectedSha256: file.hashes.sha256 } : {}),
    });
    options.onDownloadProgress?.(file, size, size);
    options.onDownloadDone?.(file, size);
    return manifest;
  }

  async function buildFromSdist(file: DistFile): Promise<WheelManifest> {
    const key = builtKey(file, facts);
    const known = await kb.getMetadataBlob("_built", key);
    if (known) {
      const manifest = store.manifest(known.trim());
      if (manifest) return manifest;
    }
    const build = options.build;
    if (!build) {
      throw new OmnipkgError(
        "NO_WHEEL",
        `${file.filename} is a source distribution and building is disabled.`,
      );
    }
    return withDownload(file, async (path) => {
      mkdirSync(options.tmpDir, { recursive: true });
      const outDir = mkdtempSync(join(options.tmpDir, "wheel-"));
      try {
        const wheelPath = await build(path, outDir);
        checkBuiltWheel(file, basename(wheelPath));
        const manifest = await store.importWheel(wheelPath);
        await kb.putMetadataBlobs([{ project: "_built", filename: key, text: manifest.sha256 }]);
        return manifest;
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
    });
  }

  function wheel(file: DistFile): Promise<WheelManifest> {
    const key = file.hashes.sha256 ?? file.url;
    let pending = pendingWheels.get(key);
    if (!pending) {
      pending = fetchWheel(file);
      pendingWheels.set(key, pending);
      pending.catch(() => pendingWheels.delete(key));
    }
    return pending;
  }

  /**
   * A server that answered one range request with the whole file will do so again: its wheels are
   * downloaded straight away (the install needs them anyway) instead of paying a probe each.
   */
  async function readByRanges(file: DistFile): Promise<string | undefined> {
    const origin = originOf(file.url);
    if (origin === undefined || rangelessOrigins.has(origin)) return undefined;
    try {
      const result = await readRemoteWheelMetadata(client, file);
      if (!result.rangesSupported) rangelessOrigins.add(origin);
      return result.metadata;
    } catch (error) {
      debug(`range read of ${file.filename} failed, downloading it: ${(error as Error).message}`);
      return undefined;
    }
  }

  function expect(file: DistFile): void {
    if (!options.importLocalWheelsEarly || !file.filename.endsWith(".whl")) return;
    if (pendingWheels.has(file.hashes.sha256 ?? file.url) || !localIndexWheel(file)) return;
    // Failures are reported by the install's own wheel() call, if the wheel is still wanted.
    wheel(file).catch(() => undefined);
  }

  async function metadata(project: string, file: DistFile): Promise<string> {
    const stored = storedManifest(file);
    if (stored) return metadataFromManifest(store, stored);
    expect(file);
    const cacheKey = file.hashes.sha256 ? `${file.filename}#${file.hashes.sha256}` : undefined;
    if (cacheKey) {
      const cached = await kb.getMetadataBlob(project, cacheKey);
      if (cached) return cached;
    }
    let text: string | undefined;
    if (file.coreMetadata !== false) text = await client.fetchCoreMetadata(file);
    else if (file.filename.endsWith(".whl")) text = await readByRanges(file);
    if (text === undefined) text = metadataFromManifest(store, await wheel(file));
    // Kept for saveMetadata(): one durable commit per file cost ~2 ms each on the resolver's
    // thread, twenty-odd times in a cold resolution.
    if (cacheKey) unsavedMetadata.push({ project, filename: cacheKey, text });
    return text;
  }

  async function saveMetadata(): Promise<void> {
    const blobs = unsavedMetadata.splice(0);
    try {
      await kb.putMetadataBlobs(blobs);
    } catch (error) {
      debug(`metadata not cached: ${(error as Error).message}`);
    }
  }

  function localWheel(path: string): Promise<WheelManifest> {
    let pending = pendingWheels.get(`local:${path}`);
    if (!pending) {
      pending = store.importWheel(path);
      pendingWheels.set(`local:${path}`, pending);
    }
    return pending;
  }

  return {
    metadata,
    wheel,
    localWheel,
    manifestMetadata: (manifest) => metadataFromManifest(store, manifest),
    saveMetadata,
    expect,
    get downloads() {
      return downloads;
    },
  };
}
