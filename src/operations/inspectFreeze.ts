import { listInstalled, type InstalledDist } from "../install/index.ts";
import { isValidVersion } from "../standards/index.ts";
import {
  displayVersion,
  editableLocation,
  readDirectUrl,
  type DirectUrl,
  type InspectTarget,
} from "./inspectDists.ts";

/**
 * `omnipkg freeze`: the lines `python -m pip freeze` prints for the same environment, so its
 * output can replace pip's in a requirements file. pip's rules, reproduced:
 * - one line per canonical name (the last dist-info found wins), sorted by `name.lower()`;
 * - `Name==version` with the METADATA name as written and the version normalised, `Name===raw`
 *   when the version does not parse;
 * - with PEP 610 data: `Name @ url`, an archive's legacy `hash` as `#sha256=...`, a VCS url as
 *   `vcs+url@commit`, `subdirectory=` as a fragment;
 * - editable installs as a comment plus `-e <project folder>` (pip asks the VCS for a URL when the
 *   folder is a checkout; omnipkg does not run git, so it prints the folder as pip does without one);
 * - pip is left out, and on Python < 3.12 also setuptools, distribute and wheel (pip's "build
 *   backends" rule, decided by the target interpreter), unless `all` is set.
 * omnipkg's runtime package (`site-packages/omnipkg/`) has no dist-info, so it never appears.
 */
export interface FreezeOptions {
  /** Include pip, setuptools, wheel and distribute (pip freeze --all). */
  all?: boolean;
  /** Leave editable installs out (pip freeze --exclude-editable). */
  excludeEditable?: boolean;
}

function nameVersion(dist: InstalledDist): string {
  return isValidVersion(dist.version)
    ? `${dist.name}==${displayVersion(dist.version)}`
    : `${dist.name}===${dist.version}`;
}

function directReference(name: string, direct: DirectUrl): string {
  let requirement = `${name} @ `;
  const fragments: string[] = [];
  if (direct.vcs_info) {
    requirement += `${direct.vcs_info.vcs}+${direct.url}@${direct.vcs_info.commit_id}`;
  } else {
    requirement += direct.url;
    if (direct.archive_info?.hash) fragments.push(direct.archive_info.hash);
  }
  if (direct.subdirectory) fragments.push(`subdirectory=${direct.subdirectory}`);
  return fragments.length > 0 ? `${requirement}#${fragments.join("&")}` : requirement;
}

function skippedNames(target: InspectTarget, options: FreezeOptions): Set<string> {
  if (options.all) return new Set();
  const [major, minor] = target.facts.version_info;
  const suppressBackends = major < 3 || (major === 3 && minor < 12);
  return new Set(suppressBackends ? ["pip", "setuptools", "distribute", "wheel"] : ["pip"]);
}

/** Lines without trailing newlines; an editable install contributes its comment line first. */
export function freeze(target: InspectTarget, options: FreezeOptions = {}): string[] {
  const skip = skippedNames(target, options);
  const byName = new Map<string, { name: string; lines: string[] }>();
  for (const dist of listInstalled(target.scheme)) {
    const direct = readDirectUrl(dist);
    const editable = editableLocation(direct);
    if (editable !== undefined) {
      if (options.excludeEditable) continue;
      byName.set(dist.canonicalName, {
        name: dist.name,
        lines: [`# Editable install with no version control (${nameVersion(dist)})`, `-e ${editable}`],
      });
    } else {
      const line = direct ? directReference(dist.name, direct) : nameVersion(dist);
      byName.set(dist.canonicalName, { name: dist.name, lines: [line] });
    }
  }
  return [...byName.entries()]
    .filter(([canonical]) => !skip.has(canonical))
    .map(([, entry]) => entry)
    .sort((a, b) => compareCodePoints(a.name.toLowerCase(), b.name.toLowerCase()))
    .flatMap((entry) => entry.lines);
}

/** Python's str ordering (by code point), which `<` on UTF-16 strings differs from only above U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
