import { createHash } from "node:crypto";
import { createReadStream, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../core/errors.ts";
import type { StoreDirs } from "./importWheel.ts";
import type { CorruptEntry, GcResult, StoreStatus, VerifyResult, WheelManifest } from "./types.ts";
import { contentPath, TEMP_MARK } from "./writeContent.ts";

/** status, gc and verify: whole-store walks, so they read the folders rather than any index. */

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw error;
  }
}

interface ContentFile {
  sha256: string;
  path: string;
}

function listContent(filesDir: string): ContentFile[] {
  const out: ContentFile[] = [];
  for (const prefix of listDir(filesDir)) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    for (const rest of listDir(join(filesDir, prefix)))
      if (!rest.startsWith(TEMP_MARK))
        out.push({ sha256: prefix + rest, path: join(filesDir, prefix, rest) });
  }
  return out;
}

function listManifests(wheelsDir: string): string[] {
  return listDir(wheelsDir)
    .filter((n) => /^[0-9a-f]{64}\.json$/.test(n))
    .map((n) => n.slice(0, 64));
}

function loadManifest(wheelsDir: string, sha256: string): WheelManifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(wheelsDir, `${sha256}.json`), "utf8")) as WheelManifest;
    return Array.isArray(manifest.files) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

export function storeStatus(dirs: StoreDirs): StoreStatus {
  let uniqueBytes = 0;
  const content = listContent(dirs.filesDir);
  for (const file of content) uniqueBytes += statSync(file.path).size;
  let referencedBytes = 0;
  const manifests = listManifests(dirs.wheelsDir);
  for (const sha of manifests) {
    for (const file of loadManifest(dirs.wheelsDir, sha)?.files ?? []) referencedBytes += file.size;
  }
  return {
    files: content.length,
    uniqueBytes,
    wheels: manifests.length,
    referencedBytes,
    ratio: uniqueBytes === 0 ? 1 : referencedBytes / uniqueBytes,
  };
}

/**
 * Remove manifests not in `liveWheels` and every content file no remaining manifest references.
 * The caller holds the home lock, so no import is running; leftover temp files older than an hour
 * (from a killed import) go too.
 */
export function collectGarbage(dirs: StoreDirs, liveWheels: Iterable<string>, nowMs = Date.now()): GcResult {
  const live = new Set([...liveWheels].map((s) => s.toLowerCase()));
  const referenced = new Set<string>();
  let removedWheels = 0;
  for (const sha of listManifests(dirs.wheelsDir)) {
    if (live.has(sha)) {
      const manifest = loadManifest(dirs.wheelsDir, sha);
      for (const file of manifest?.files ?? []) referenced.add(file.sha256);
      if (manifest) continue;
    }
    rmSync(join(dirs.wheelsDir, `${sha}.json`), { force: true });
    removedWheels += 1;
  }
  let removedFiles = 0;
  let freedBytes = 0;
  for (const file of listContent(dirs.filesDir)) {
    if (referenced.has(file.sha256)) continue;
    const size = statSync(file.path).size;
    rmSync(file.path, { force: true });
    removedFiles += 1;
    freedBytes += size;
  }
  const temps = listDir(dirs.tmpDir).map((name) => join(dirs.tmpDir, name));
  for (const prefix of listDir(dirs.filesDir)) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    for (const name of listDir(join(dirs.filesDir, prefix)))
      if (name.startsWith(TEMP_MARK)) temps.push(join(dirs.filesDir, prefix, name));
  }
  for (const path of temps) {
    try {
      if (nowMs - statSync(path).mtimeMs > 3_600_000) rmSync(path, { force: true, recursive: true });
    } catch {
      // gone already
    }
  }
  return { removedWheels, removedFiles, freedBytes };
}

async function hashPath(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

export async function verifyStore(dirs: StoreDirs): Promise<VerifyResult> {
  const corrupted: CorruptEntry[] = [];
  const content = listContent(dirs.filesDir);
  const present = new Set<string>();
  for (const file of content) {
    const actual = await hashPath(file.path);
    if (actual !== file.sha256) {
      corrupted.push({ kind: "file", path: file.path, detail: `content hashes to ${actual}` });
    } else present.add(file.sha256);
  }
  const manifests = listManifests(dirs.wheelsDir);
  for (const sha of manifests) {
    const path = join(dirs.wheelsDir, `${sha}.json`);
    const manifest = loadManifest(dirs.wheelsDir, sha);
    if (!manifest) {
      corrupted.push({ kind: "manifest", path, detail: "not a readable manifest" });
      continue;
    }
    const missing = manifest.files.filter((f) => !present.has(f.sha256));
    if (missing.length > 0) {
      corrupted.push({
        kind: "manifest",
        path,
        detail: `${manifest.filename}: ${missing.length} file(s) missing or damaged, first ${missing[0]!.path} (${contentPath(dirs.filesDir, missing[0]!.sha256)})`,
      });
    }
  }
  return { checkedFiles: content.length, checkedWheels: manifests.length, corrupted };
}
