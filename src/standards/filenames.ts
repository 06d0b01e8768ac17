/**
 * Distribution file names: wheels (PEP 427, PEP 491 build tags) and sdists (PEP 625
 * "{name}-{version}.tar.gz", plus the legacy archives found on older indexes).
 *
 * Traps:
 * - Wheel names split on "-" into 5 or 6 parts; a 6th part is a build tag that must start with a
 *   digit and sorts as (int, rest). The project part must not contain "__" and is canonicalised.
 * - The tag part is a compressed set; a file is compatible when any expanded tag is supported.
 * - Legacy sdist names are ambiguous: "foo-bar-1.0-2.tar.gz" can be foo-bar 1.0-2 or foo-bar-1.0 2.
 *   packaging splits at the last "-"; when the caller knows the project (from the index page) we
 *   split after that project's name instead, as pip does.
 */
import { InvalidSdistFilename, InvalidWheelFilename } from "./errors.ts";
import { canonicalizeName } from "./names.ts";
import { parseTag, type Tag } from "./tag.ts";
import { isValidVersion, parseVersion, type Version } from "./version.ts";

export interface WheelFilename {
  /** PEP 503 form of the project name. */
  name: string;
  version: Version;
  /** [number, rest] of the build tag ("1abc" → [1, "abc"]), or null without one. */
  build: readonly [number, string] | null;
  /** The expanded tag set, in file-name order. */
  tags: Tag[];
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
}

const wheelNameRe = /^[\p{L}\p{N}_._]*$/u;

export function parseWheelFilename(filename: string): WheelFilename {
  if (!filename.endsWith(".whl")) throw new InvalidWheelFilename(filename, "the extension must be .whl");
  const stem = filename.slice(0, -4);
  const dashes = stem.split("-").length - 1;
  if (dashes !== 4 && dashes !== 5)
    throw new InvalidWheelFilename(filename, "it must have 5 or 6 dash-separated parts");
  const parts = stem.split("-");
  const namePart = parts[0]!;
  if (namePart.includes("__") || !wheelNameRe.test(namePart)) {
    throw new InvalidWheelFilename(filename, `invalid project name '${namePart}'`);
  }
  const versionPart = parts[1]!;
  if (!isValidVersion(versionPart))
    throw new InvalidWheelFilename(filename, `invalid version '${versionPart}'`);
  let build: [number, string] | null = null;
  if (dashes === 5) {
    const m = /^([0-9]+)(.*)$/su.exec(parts[2]!);
    if (m === null) throw new InvalidWheelFilename(filename, `invalid build tag '${parts[2]}'`);
    build = [Number(m[1]), m[2]!];
  }
  const [py, abi, plat] = parts.slice(-3) as [string, string, string];
  return {
    name: canonicalizeName(namePart),
    version: parseVersion(versionPart),
    build,
    tags: parseTag(`${py}-${abi}-${plat}`),
    pythonTags: py.split("."),
    abiTags: abi.split("."),
    platformTags: plat.split("."),
  };
}

export interface SdistFilename {
  name: string;
  version: Version;
  /** The archive extension, e.g. ".tar.gz". */
  extension: string;
  /** True for a PEP 625 name: normalised project name, ".tar.gz". */
  standard: boolean;
}

/** Archive types pip accepts as sdists; PEP 625 allows only .tar.gz. */
export const SDIST_EXTENSIONS = [
  ".tar.gz",
  ".zip",
  ".tgz",
  ".tar.bz2",
  ".tbz",
  ".tar.xz",
  ".txz",
  ".tar.lz",
  ".tlz",
  ".tar.lzma",
  ".tar",
] as const;

export function sdistExtension(filename: string): string | undefined {
  const lower = filename.toLowerCase();
  return SDIST_EXTENSIONS.find((ext) => lower.endsWith(ext));
}

/**
 * Parse an sdist name. With `project` (the name the index listed it under), legacy names whose
 * version contains "-" split after the project name; otherwise at the last "-" as packaging does.
 */
export function parseSdistFilename(filename: string, options: { project?: string } = {}): SdistFilename {
  const extension = sdistExtension(filename);
  if (extension === undefined) {
    throw new InvalidSdistFilename(filename, `the extension must be one of ${SDIST_EXTENSIONS.join(", ")}`);
  }
  const stem = filename.slice(0, -extension.length);
  let namePart: string | undefined;
  let versionPart: string | undefined;
  if (options.project !== undefined) {
    const want = canonicalizeName(options.project);
    // Try every "-" from the left: the first prefix that canonicalises to the project wins.
    for (let i = stem.indexOf("-"); i >= 0; i = stem.indexOf("-", i + 1)) {
      if (canonicalizeName(stem.slice(0, i)) === want) {
        namePart = stem.slice(0, i);
        versionPart = stem.slice(i + 1);
        break;
      }
    }
  }
  if (namePart === undefined) {
    const dash = stem.lastIndexOf("-");
    if (dash < 0) throw new InvalidSdistFilename(filename, "there is no '-' between name and version");
    namePart = stem.slice(0, dash);
    versionPart = stem.slice(dash + 1);
  }
  if (!isValidVersion(versionPart!))
    throw new InvalidSdistFilename(filename, `invalid version '${versionPart}'`);
  const name = canonicalizeName(namePart);
  return {
    name,
    version: parseVersion(versionPart!),
    extension,
    standard: extension === ".tar.gz" && namePart === name.replace(/-/g, "_"),
  };
}
