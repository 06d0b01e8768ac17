import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { errnoCode } from "../core/errors.ts";
import type { InstalledDist } from "../install/distInfo.ts";
import type { EnvTarget } from "./target.ts";
import type { MarkerEnvironment } from "../python/facts.ts";
// Single modules, not the barrels: `list` and `info` load this file at start-up.
import { evaluateMarker } from "../standards/marker.ts";
import { parseCoreMetadata, type CoreMetadata } from "../standards/metadata.ts";
import { parseRequirement, type Requirement } from "../standards/requirement.ts";
import { parseTag, type Tag } from "../standards/tag.ts";
import { normalizeVersion } from "../standards/version.ts";
import { parseRecord } from "../store/record.ts";

/**
 * Readers for one installed `*.dist-info` folder, shared by list, info, freeze and check. They read
 * what pip reads (METADATA, RECORD, WHEEL, direct_url.json) so the answers agree with pip's on the
 * same environment, whoever installed the distribution.
 */

/** What the readers need of a distribution: where its dist-info folder is. */
type DistInfoRef = Pick<InstalledDist, "distInfo">;

/** The parts of a resolved target the inspectors read (tests build it without a home). */
export type InspectTarget = Pick<EnvTarget, "envDir" | "scheme" | "facts"> &
  Partial<Pick<EnvTarget, "label">>;

/** PEP 610 `direct_url.json`, the fields freeze needs. */
export interface DirectUrl {
  url: string;
  subdirectory?: string;
  archive_info?: { hash?: string; hashes?: Record<string, string> };
  vcs_info?: { vcs: string; commit_id: string; requested_revision?: string };
  dir_info?: { editable?: boolean };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** The site folder a dist-info lives in: RECORD paths are relative to it. */
export function siteOf(dist: DistInfoRef): string {
  return dirname(dist.distInfo);
}

/** Core metadata; throws InvalidMetadata (or an fs error) when the file is unreadable. */
export function readMetadata(dist: DistInfoRef): CoreMetadata {
  return parseCoreMetadata(readFileSync(join(dist.distInfo, "METADATA"), "utf8"));
}

/** The version as pip prints it: normalised when it parses, else as written (pip's `===` case). */
export function displayVersion(version: string): string {
  try {
    return normalizeVersion(version);
  } catch {
    return version;
  }
}

/** PEP 610 data, or undefined when absent or not the documented shape (pip ignores those too). */
export function readDirectUrl(dist: DistInfoRef): DirectUrl | undefined {
  const text = readOptional(join(dist.distInfo, "direct_url.json"));
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<DirectUrl> | null;
    if (!value || typeof value.url !== "string") return undefined;
    const kinds = [value.archive_info, value.vcs_info, value.dir_info].filter((v) => v !== undefined);
    if (kinds.length !== 1) return undefined;
    if (
      value.vcs_info &&
      (typeof value.vcs_info.vcs !== "string" || typeof value.vcs_info.commit_id !== "string")
    ) {
      return undefined;
    }
    return value as DirectUrl;
  } catch {
    return undefined;
  }
}

/** The editable project folder (PEP 660 installs record `dir_info.editable`), as pip computes it. */
export function editableLocation(direct: DirectUrl | undefined): string | undefined {
  if (!direct?.dir_info?.editable || !direct.url.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(direct.url);
  } catch {
    return undefined;
  }
}

/** Absolute paths of the files RECORD lists (RECORD itself included, as installed). */
export function recordFiles(dist: DistInfoRef): string[] {
  const text = readOptional(join(dist.distInfo, "RECORD"));
  if (text === undefined) return [];
  const site = siteOf(dist);
  return parseRecord(text)
    .map((row) => row.path)
    .filter((path) => path !== "")
    .map((path) => (isAbsolute(path) ? path : resolve(site, path)));
}

/** Tags from the WHEEL file, or undefined when the distribution has none (not installed from a wheel). */
export function readWheelTags(dist: DistInfoRef): Tag[] | undefined {
  const text = readOptional(join(dist.distInfo, "WHEEL"));
  if (text === undefined) return undefined;
  const tags: Tag[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === "") break;
    const match = /^tag\s*:\s*(.*)$/i.exec(line);
    if (match && match[1]!.trim() !== "") tags.push(...parseTag(match[1]!.trim()));
  }
  return tags;
}

/**
 * The requirements that apply with no extra, as pip's `iter_dependencies()` yields them: no marker,
 * or a marker true for this interpreter with `extra == ""`. Throws on an unparsable line (pip
 * reports "Error parsing dependencies" and fails the check).
 */
export function baseRequirements(meta: CoreMetadata, markerEnv: MarkerEnvironment): Requirement[] {
  const out: Requirement[] = [];
  for (const line of meta.requiresDist) {
    const req = parseRequirement(line.trim());
    if (!req.marker || evaluateMarker(req.marker, { ...markerEnv, extra: "" })) out.push(req);
  }
  return out;
}
