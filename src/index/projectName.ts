import { canonicalizeName } from "../standards/index.ts";

/**
 * PEP 503 name normalisation, and matching a distribution file name to a project without parsing
 * its version (find-links folders mix projects). Traps: legacy sdists keep hyphens in the name
 * (`python-dateutil-2.8.2.tar.gz`), so the split point is found by trying each hyphen against the
 * wanted name, as pip does; wheels escape the name with underscores, so the first field is the name.
 */

export function normalizeProjectName(name: string): string {
  return canonicalizeName(name);
}

const SDIST_EXTENSIONS = [".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar"];

export function isDistributionFilename(filename: string): boolean {
  const lower = filename.toLowerCase();
  return lower.endsWith(".whl") || SDIST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export function filenameMatchesProject(filename: string, canonicalName: string): boolean {
  const lower = filename.toLowerCase();
  if (lower.endsWith(".whl")) {
    return normalizeProjectName(filename.split("-")[0] ?? "") === canonicalName;
  }
  const ext = SDIST_EXTENSIONS.find((e) => lower.endsWith(e));
  if (!ext) return false;
  const stem = filename.slice(0, filename.length - ext.length);
  for (let i = stem.indexOf("-"); i > 0; i = stem.indexOf("-", i + 1)) {
    if (normalizeProjectName(stem.slice(0, i)) === canonicalName && /^\d/.test(stem.slice(i + 1)))
      return true;
  }
  return false;
}

/** File names come from untrusted pages and become paths: refuse anything that is not one segment. */
export function isSafeFilename(filename: string): boolean {
  return (
    filename.length > 0 &&
    filename !== "." &&
    filename !== ".." &&
    !/[/\\\0]/.test(filename) &&
    filename.length <= 255
  );
}
