import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../core/errors.ts";
import type { InstalledDist } from "../install/distInfo.ts";
import type { InstallScheme } from "../install/scheme.ts";

/**
 * The installed distributions of a site folder as `list` and `info` need them, with the fewest file
 * operations: the same answer as install's `listInstalled` (every `*.dist-info` folder with a
 * METADATA naming a Name and Version, sorted by canonical name), but
 * - one readdir of each dist-info tells which optional files exist, so INSTALLER, REQUESTED and
 *   direct_url.json cost nothing when absent (no failed open per file per distribution);
 * - only the head of METADATA is read: Name and Version are headers, and the long description
 *   after the header block (often tens of KB) is never needed for a listing;
 * - `omnipkg_wheel` (the store reference) is not read: no listing shows it.
 * Traps: a dist-info reached through a symlink is a folder if its target is (stat, as install's
 * lister does); the header block may be longer than the head read, then the whole file is read.
 */

export type ScannedDist = Omit<InstalledDist, "wheelSha256"> & {
  /** A PEP 610 direct_url.json exists (editable and direct-URL installs). */
  hasDirectUrl: boolean;
};

const HEAD_BYTES = 16 * 1024;
const head = Buffer.allocUnsafe(HEAD_BYTES);

/** The core-metadata header block (or all of the file when it has no body), from its head when possible. */
function readMetadataHeaders(file: string): string {
  const fd = openSync(file, "r");
  let length: number;
  try {
    length = readSync(fd, head, 0, HEAD_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (length < HEAD_BYTES) return head.toString("utf8", 0, length);
  // Cut at the blank line ending the headers; without one in the head, read the whole file.
  const end = head.subarray(0, length).indexOf("\n\n");
  const endCrlf = head.subarray(0, length).indexOf("\r\n\r\n");
  const cut = end === -1 ? endCrlf : endCrlf === -1 ? end : Math.min(end, endCrlf);
  return cut === -1 ? readFileSync(file, "utf8") : head.toString("utf8", 0, cut + 1);
}

/** The first Name and Version headers (the header block ends at a blank line). */
function nameVersion(headers: string): { name?: string; version?: string } {
  const out: { name?: string; version?: string } = {};
  for (const line of headers.split(/\r?\n/)) {
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const key = line.slice(0, colon).toLowerCase();
    if (key === "name" && out.name === undefined) out.name = line.slice(colon + 1).trim();
    else if (key === "version" && out.version === undefined) out.version = line.slice(colon + 1).trim();
    if (out.name !== undefined && out.version !== undefined) break;
  }
  return out;
}

function scanDist(distInfo: string): ScannedDist | undefined {
  const files = new Set(readdirSync(distInfo));
  if (!files.has("METADATA")) return undefined;
  const { name, version } = nameVersion(readMetadataHeaders(join(distInfo, "METADATA")));
  if (!name || !version) return undefined;
  const installer = files.has("INSTALLER")
    ? readFileSync(join(distInfo, "INSTALLER"), "utf8").trim() || undefined
    : undefined;
  return {
    name,
    canonicalName: name.replace(/[-_.]+/g, "-").toLowerCase(),
    version,
    distInfo,
    installer,
    requested: files.has("REQUESTED"),
    hasDirectUrl: files.has("direct_url.json"),
  };
}

function isFolder(siteDir: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink() && entry.isFile()) return false;
  return statSync(join(siteDir, entry.name)).isDirectory();
}

/** Distributions in one site folder (site-packages, or a bubble folder). */
export function scanDistsIn(siteDir: string): ScannedDist[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(siteDir, { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw error;
  }
  const out: ScannedDist[] = [];
  for (const entry of entries) {
    if (!entry.name.endsWith(".dist-info") || !isFolder(siteDir, entry)) continue;
    const dist = scanDist(join(siteDir, entry.name));
    if (dist) out.push(dist);
  }
  return out;
}

/** Main's distributions (purelib, and platlib when it differs), sorted by canonical name. */
export function scanInstalled(scheme: InstallScheme): ScannedDist[] {
  const dirs = scheme.platlib === scheme.purelib ? [scheme.purelib] : [scheme.purelib, scheme.platlib];
  return dirs
    .flatMap(scanDistsIn)
    .sort((a, b) => (a.canonicalName < b.canonicalName ? -1 : a.canonicalName > b.canonicalName ? 1 : 0));
}
