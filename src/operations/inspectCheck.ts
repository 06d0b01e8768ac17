import { relative } from "node:path";
import { listInstalled, type InstalledDist } from "../install/index.ts";
import { listBubbles } from "../bubbles/bubbleManifest.ts";
import { canonicalizeName, isValidVersion, supportedTags, type Requirement } from "../standards/index.ts";
import {
  baseRequirements,
  displayVersion,
  readMetadata,
  readWheelTags,
  type InspectTarget,
} from "./inspectDists.ts";
import { staleEntries } from "./inspectStale.ts";

/**
 * `omnipkg check`: `python -m pip check` for the target environment, line for line, then omnipkg's
 * own checks of the bubbles. pip's rules, reproduced (pip 24, operations/check.py):
 * - requirements are evaluated as `iter_dependencies()` yields them: markers for the target
 *   interpreter with `extra == ""`, so extras' dependencies are never checked, even when an
 *   installed package asks for `pkg[extra]` (pip's behaviour; matching its output is the point);
 * - a dependency that is present is checked with pre-releases allowed;
 * - names are printed canonical (`markdown-it-py`), versions normalised; requirements as
 *   packaging prints them (`pygments<3,>=2.13`);
 * - all "requires X, which is not installed" lines first, then "has requirement" lines, each
 *   package's sorted as pip sorts them, then "is not supported on this platform" (WHEEL tags none
 *   of which this interpreter accepts; printed with the METADATA name).
 * pip lists packages in directory order, which varies between filesystems; omnipkg uses name order.
 * Bubbles: a bubble's manifest names the versions it takes from main; when main has changed, the
 * loader refuses the bubble (StaleBubble), so check reports it here first.
 */
export type CheckProblem =
  | {
      kind: "missing";
      package: string;
      version: string;
      dependency: string;
      requirement: string;
      message: string;
    }
  | {
      kind: "conflict";
      package: string;
      version: string;
      dependency: string;
      installedVersion: string;
      requirement: string;
      message: string;
    }
  | { kind: "unsupported"; package: string; version: string; message: string }
  | { kind: "invalid-metadata"; package: string; detail: string; message: string }
  | {
      kind: "stale-bubble";
      bubble: string;
      path: string;
      dependency: string;
      expected: string;
      mainVersion: string | null;
      message: string;
    }
  | { kind: "foreign-bubble"; bubble: string; path: string; python: string; message: string };

export interface CheckReport {
  ok: boolean;
  problems: CheckProblem[];
}

interface PackageDetails {
  dist: InstalledDist;
  version: string;
  dependencies: Requirement[];
}

/** pip's `sorted(..., key=str)` over tuples: the reprs are what get compared. */
function missingKey(name: string, req: Requirement): string {
  return `('${name}', <Requirement('${req.toString()}')>)`;
}
function conflictKey(name: string, version: string, req: Requirement): string {
  return `('${name}', <Version('${version}')>, <Requirement('${req.toString()}')>)`;
}
const byKey = <T extends { key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkMain(target: InspectTarget, dists: InstalledDist[]): CheckProblem[] {
  const packages = new Map<string, PackageDetails>();
  const parseProblems: CheckProblem[] = [];
  for (const dist of dists) {
    try {
      if (!isValidVersion(dist.version)) throw new Error(`Invalid version: '${dist.version}'`);
      const dependencies = baseRequirements(readMetadata(dist), target.facts.marker_env);
      packages.set(dist.canonicalName, { dist, version: displayVersion(dist.version), dependencies });
    } catch (error) {
      // pip logs "Error parsing dependencies of NAME: ..." and fails the check.
      const detail = errorText(error);
      parseProblems.push({
        kind: "invalid-metadata",
        package: dist.canonicalName,
        detail,
        message: `Error parsing dependencies of ${dist.canonicalName}: ${detail}`,
      });
    }
  }
  const missing: CheckProblem[] = [];
  const conflicts: CheckProblem[] = [];
  for (const [name, details] of packages) {
    const missingHere = new Map<string, CheckProblem>();
    const conflictsHere = new Map<string, CheckProblem>();
    for (const req of details.dependencies) {
      const depName = canonicalizeName(req.name);
      const have = packages.get(depName);
      if (!have) {
        missingHere.set(missingKey(depName, req), {
          kind: "missing",
          package: name,
          version: details.version,
          dependency: depName,
          requirement: req.toString(),
          message: `${name} ${details.version} requires ${depName}, which is not installed.`,
        });
        continue;
      }
      if (!req.specifier.contains(have.version, { prereleases: true })) {
        conflictsHere.set(conflictKey(depName, have.version, req), {
          kind: "conflict",
          package: name,
          version: details.version,
          dependency: depName,
          installedVersion: have.version,
          requirement: req.toString(),
          message: `${name} ${details.version} has requirement ${req.toString()}, but you have ${depName} ${have.version}.`,
        });
      }
    }
    const sorted = (m: Map<string, CheckProblem>) =>
      [...m]
        .map(([key, problem]) => ({ key, problem }))
        .sort(byKey)
        .map((e) => e.problem);
    missing.push(...sorted(missingHere));
    conflicts.push(...sorted(conflictsHere));
  }
  return [...parseProblems, ...missing, ...conflicts, ...checkPlatform(target, dists)];
}

function checkPlatform(target: InspectTarget, dists: InstalledDist[]): CheckProblem[] {
  const supported = new Set(supportedTags(target.facts).map(String));
  const out: CheckProblem[] = [];
  for (const dist of dists) {
    const tags = readWheelTags(dist);
    if (tags === undefined || tags.some((t) => supported.has(t.toString()))) continue;
    const version = displayVersion(dist.version);
    out.push({
      kind: "unsupported",
      package: dist.name,
      version,
      message: `${dist.name} ${version} is not supported on this platform`,
    });
  }
  return out;
}

function checkBubbles(target: InspectTarget, dists: InstalledDist[]): CheckProblem[] {
  const main = new Map(dists.map((d) => [d.canonicalName, d]));
  const envPython = target.scheme.pythonVersion;
  const out: CheckProblem[] = [];
  for (const bubble of listBubbles(target.envDir)) {
    const label = `${bubble.manifest.name}==${bubble.manifest.version}`;
    const path = relative(target.envDir, bubble.dir);
    if (bubble.manifest.python !== envPython) {
      out.push({
        kind: "foreign-bubble",
        bubble: label,
        path,
        python: bubble.manifest.python,
        message: `bubble ${label} (${path}) was made for Python ${bubble.manifest.python}, but this environment runs ${envPython}; the loader ignores it.`,
      });
      continue;
    }
    for (const stale of staleEntries(bubble, main)) {
      const now = stale.mainVersion === null ? "main does not have it" : `main has ${stale.mainVersion}`;
      out.push({
        kind: "stale-bubble",
        bubble: label,
        path,
        dependency: stale.name,
        expected: stale.expected,
        mainVersion: stale.mainVersion,
        message: `bubble ${label} (${path}) is stale: it takes ${stale.name} ${stale.expected} from main, but ${now}.`,
      });
    }
  }
  return out;
}

export function checkEnv(target: InspectTarget): CheckReport {
  const dists = listInstalled(target.scheme);
  const problems = [...checkMain(target, dists), ...checkBubbles(target, dists)];
  return { ok: problems.length === 0, problems };
}
