import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { canonicalName } from "../store/index.ts";
import { siteDirs, type InstallScheme } from "./scheme.ts";

/**
 * Installed distributions, found the way importlib.metadata finds them: every `*.dist-info`
 * folder in site-packages with a METADATA file, whoever installed it (pip, uv, omnipkg).
 */
export interface InstalledDist {
  name: string;
  canonicalName: string;
  version: string;
  /** Absolute path of the `.dist-info` folder. */
  distInfo: string;
  /** Content of INSTALLER ("pip", "omnipkg", "uv"), if present. */
  installer: string | undefined;
  /** PEP 376 REQUESTED: installed because the user asked for it, not as a dependency. */
  requested: boolean;
  /** sha256 of the wheel omnipkg installed it from (file `omnipkg_wheel`), for store gc. */
  wheelSha256: string | undefined;
}

/** The first Name and Version headers of a core-metadata file (the header block ends at a blank line). */
export function readNameVersion(metadataText: string): { name?: string; version?: string } {
  const out: { name?: string; version?: string } = {};
  for (const line of metadataText.split(/\r?\n/)) {
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const key = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "name" && out.name === undefined) out.name = value;
    else if (key === "version" && out.version === undefined) out.version = value;
    if (out.name !== undefined && out.version !== undefined) break;
  }
  return out;
}

/** Bytes read first: Metadata-Version, Name and Version open the header block in practice. */
const HEAD_BYTES = 4096;

/**
 * Name and Version of a METADATA file, read from its first few KiB when they are there: the whole
 * file holds the long description too (pandas: ~50 KB), and an install reads one per wheel, a
 * listing one per distribution. Falls back to the whole file, so the answer is always the same as
 * readNameVersion's on the full text. Undefined when the file does not exist.
 */
export function readMetadataNameVersion(path: string): { name?: string; version?: string } | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return undefined;
    throw error;
  }
  try {
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    const got = readSync(fd, head, 0, HEAD_BYTES, 0);
    // Only whole lines: a cut could split a header or a multi-byte character.
    const end = got < HEAD_BYTES ? got : head.lastIndexOf(10, got - 1) + 1;
    const text = head.toString("utf8", 0, end);
    const found = readNameVersion(text);
    const headerEnded = got < HEAD_BYTES || /\r?\n\r?\n/.test(text) || text.startsWith("\n");
    if ((found.name !== undefined && found.version !== undefined) || headerEnded) return found;
  } finally {
    closeSync(fd);
  }
  return readNameVersion(readFileSync(path, "utf8"));
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return undefined;
    throw error;
  }
}

export function readDist(distInfo: string): InstalledDist | undefined {
  const metadata = readMetadataNameVersion(join(distInfo, "METADATA"));
  if (metadata === undefined) return undefined;
  const { name, version } = metadata;
  if (!name || !version) return undefined;
  const wheel = readOptional(join(distInfo, "omnipkg_wheel"))?.trim();
  return {
    name,
    canonicalName: canonicalName(name),
    version,
    distInfo,
    installer: readOptional(join(distInfo, "INSTALLER"))?.trim() || undefined,
    requested: existsSync(join(distInfo, "REQUESTED")),
    wheelSha256: wheel && /^[0-9a-f]{64}$/.test(wheel) ? wheel : undefined,
  };
}

/** Distributions in one site folder (site-packages, or a bubble folder). */
export function listDistsIn(siteDir: string): InstalledDist[] {
  let names: string[];
  try {
    names = readdirSync(siteDir);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw error;
  }
  const out: InstalledDist[] = [];
  for (const entry of names) {
    if (!entry.endsWith(".dist-info")) continue;
    const path = join(siteDir, entry);
    if (!statSync(path).isDirectory()) continue;
    const dist = readDist(path);
    if (dist) out.push(dist);
  }
  return out;
}

export function listInstalled(scheme: InstallScheme): InstalledDist[] {
  return acrossSiteDirs(scheme, listDistsIn);
}

/** What `listIn` finds in main's site folders (purelib, and platlib when it differs), by canonical name. */
export function acrossSiteDirs<T extends { canonicalName: string }>(
  scheme: InstallScheme,
  listIn: (siteDir: string) => T[],
): T[] {
  return siteDirs(scheme)
    .flatMap(listIn)
    .sort((a, b) => (a.canonicalName < b.canonicalName ? -1 : a.canonicalName > b.canonicalName ? 1 : 0));
}
