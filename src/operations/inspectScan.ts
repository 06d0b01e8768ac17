import { readdirSync, readFileSync, statSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { acrossSiteDirs, readMetadataNameVersion, type InstalledDist } from "../install/distInfo.ts";
import type { InstallScheme } from "../install/scheme.ts";
import { canonicalName } from "../store/index.ts";

/**
 * The installed distributions of a site folder as `list` and `info` need them, with the fewest file
 * operations: the same answer as install's `listInstalled` (every `*.dist-info` folder with a
 * METADATA naming a Name and Version, sorted by canonical name), but
 * - one readdir of each dist-info tells which optional files exist, so INSTALLER, REQUESTED and
 *   direct_url.json cost nothing when absent (no failed open per file per distribution);
 * - only the head of METADATA is read (readMetadataNameVersion): Name and Version are headers, and
 *   the long description after the header block (often tens of KB) is never needed for a listing;
 * - `omnipkg_wheel` (the store reference) is not read: no listing shows it.
 * Trap: a dist-info reached through a symlink is a folder if its target is (stat, as install's
 * lister does).
 */

export type ScannedDist = Omit<InstalledDist, "wheelSha256"> & {
  /** A PEP 610 direct_url.json exists (editable and direct-URL installs). */
  hasDirectUrl: boolean;
};

function scanDist(distInfo: string): ScannedDist | undefined {
  const files = new Set(readdirSync(distInfo));
  if (!files.has("METADATA")) return undefined;
  const { name, version } = readMetadataNameVersion(join(distInfo, "METADATA")) ?? {};
  if (!name || !version) return undefined;
  const installer = files.has("INSTALLER")
    ? readFileSync(join(distInfo, "INSTALLER"), "utf8").trim() || undefined
    : undefined;
  return {
    name,
    canonicalName: canonicalName(name),
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
  return acrossSiteDirs(scheme, scanDistsIn);
}
