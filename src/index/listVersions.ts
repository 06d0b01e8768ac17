import type { InterpreterFacts } from "../python/index.ts";
import {
  compareVersions,
  parseSdistFilename,
  parseVersion,
  parseWheelFilename,
  SpecifierSet,
  supportedTags,
  type Version,
} from "../standards/index.ts";
import type { DistFile, ProjectPage } from "./types.ts";

/**
 * `omnipkg index versions`: which versions of a project the active interpreter could install.
 * Follows pip's candidate rules:
 * - a version is yanked only when all its files are (PEP 592), and then it is shown, not hidden;
 * - a file whose Requires-Python excludes the interpreter is unusable; an invalid Requires-Python
 *   is ignored, as pip does;
 * - a wheel is usable when one of its tags is in the interpreter's supported tags; an sdist is
 *   always usable (it can be built), so it is reported as "sdist only" when no wheel fits;
 * - file names that do not parse are skipped (pip skips them too) and counted.
 */

export interface VersionRow {
  version: string;
  /** false, true, or the reason, when every file of the version is yanked. */
  yanked: false | true | string;
  /** A non-yanked file fits the interpreter's tags and Requires-Python. */
  compatible: boolean;
  /** Why it is not compatible, or notes such as "sdist only". */
  notes: string[];
  wheels: number;
  sdists: number;
  /** Latest PEP 700 upload time among its files. */
  uploadTime?: string;
}

export interface VersionListing {
  project: string;
  index: string;
  python: { implementation: string; version: string; executable: string; bestTag: string | null };
  versions: VersionRow[];
  /** Files whose names are not valid wheel or sdist names. */
  skippedFiles: string[];
}

interface Group {
  version: Version;
  files: { file: DistFile; wheelTags?: string[] }[];
}

function requiresPythonOk(spec: string | undefined, pythonVersion: string): boolean {
  if (!spec) return true;
  try {
    return new SpecifierSet(spec).contains(pythonVersion, { prereleases: true });
  } catch {
    return true;
  }
}

export function listProjectVersions(page: ProjectPage, facts: InterpreterFacts): VersionListing {
  const tags = supportedTags(facts).map(String);
  const tagSet = new Set(tags);
  const pythonVersion = facts.version_info.slice(0, 3).join(".");
  const groups = new Map<string, Group>();
  const skippedFiles: string[] = [];
  const groupFor = (version: Version): Group => {
    const key = String(version);
    let group = groups.get(key);
    if (!group) {
      group = { version, files: [] };
      groups.set(key, group);
    }
    return group;
  };
  for (const file of page.files) {
    try {
      if (file.filename.endsWith(".whl")) {
        const wheel = parseWheelFilename(file.filename);
        groupFor(wheel.version).files.push({ file, wheelTags: wheel.tags.map(String) });
      } else {
        groupFor(parseSdistFilename(file.filename, { project: page.name }).version).files.push({ file });
      }
    } catch {
      skippedFiles.push(file.filename);
    }
  }
  for (const listed of page.versions ?? []) {
    try {
      groupFor(parseVersion(listed));
    } catch {
      // PEP 700 lists may hold versions that are not PEP 440; they have no files to offer anyway.
    }
  }

  const rows: VersionRow[] = [...groups.values()].map(({ version, files }) => {
    const wheels = files.filter((f) => f.wheelTags).length;
    const row: VersionRow = {
      version: String(version),
      yanked: false,
      compatible: false,
      notes: [],
      wheels,
      sdists: files.length - wheels,
    };
    const times = files.map((f) => f.file.uploadTime).filter((t): t is string => Boolean(t));
    if (times.length) row.uploadTime = times.sort().at(-1)!;
    if (files.length === 0) {
      row.notes.push("no files");
      return row;
    }
    const live = files.filter((f) => f.file.yanked === false);
    if (live.length === 0) {
      const reason = files.map((f) => f.file.yanked).find((y) => typeof y === "string");
      row.yanked = typeof reason === "string" && reason !== "" ? reason : true;
    }
    const candidates = live.length > 0 ? live : files;
    const pyOk = candidates.filter((f) => requiresPythonOk(f.file.requiresPython, pythonVersion));
    const tagOk = pyOk.filter((f) => !f.wheelTags || f.wheelTags.some((t) => tagSet.has(t)));
    row.compatible = live.length > 0 && tagOk.length > 0;
    if (pyOk.length === 0) {
      const specs = [...new Set(candidates.map((f) => f.file.requiresPython).filter(Boolean))];
      row.notes.push(`requires Python ${specs.join(" | ")}`);
    } else if (tagOk.length === 0) {
      row.notes.push("no wheel for this interpreter");
    } else if (!tagOk.some((f) => f.wheelTags)) {
      row.notes.push("sdist only");
    }
    return row;
  });
  rows.sort((a, b) => compareVersions(b.version, a.version));
  return {
    project: page.name,
    index: page.index,
    python: {
      implementation: facts.implementation,
      version: facts.version,
      executable: facts.executable,
      bestTag: tags[0] ?? null,
    },
    versions: rows,
    skippedFiles,
  };
}
