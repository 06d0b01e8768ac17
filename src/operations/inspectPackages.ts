import { relative } from "node:path";
import { OmnipkgError } from "../core/errors.ts";
import { listBubbles, type Bubble } from "../bubbles/bubbleManifest.ts";
import { canonicalizeName } from "../standards/names.ts";
import { parseRequirement } from "../standards/requirement.ts";
import { compareVersions } from "../standards/version.ts";
import {
  baseRequirements,
  displayVersion,
  editableLocation,
  readDirectUrl,
  readMetadata,
  recordFiles,
  siteOf,
  type InspectTarget,
} from "./inspectDists.ts";
import { scanDistsIn, scanInstalled, type ScannedDist } from "./inspectScan.ts";
import { measureFiles, measureTree, type ByteUsage } from "./inspectSizes.ts";
import { staleEntries, type StaleEntry } from "./inspectStale.ts";

/**
 * `list` and `info`: what is installed in one environment, main's distributions (pip's view: every
 * `*.dist-info` in site-packages, whoever installed it) and the bubbles beside it, with real bytes
 * on disk. The engine returns data; src/cli/packages.ts renders it. Imports name single modules,
 * never an area's barrel: every module loaded here is start-up time of a read-only command.
 */

export interface MainPackage {
  name: string;
  version: string;
  installer: string | null;
  requested: boolean;
  /** The site-packages folder holding it. */
  location: string;
  /** For an editable install, the project folder. */
  editableProject: string | null;
}

export interface BubbleDistEntry {
  name: string;
  version: string;
  location: "bubble" | "main";
}

export interface BubbleSummary extends ByteUsage {
  name: string;
  version: string;
  path: string;
  /** Path relative to the environment, e.g. `bubbles/rich-13.4.2`. */
  relativePath: string;
  python: string;
  created: string;
  dists: BubbleDistEntry[];
  stale: StaleEntry[];
}

export interface PackageListing {
  envDir: string;
  python: string;
  packages: MainPackage[];
  bubbles: BubbleSummary[];
}

export interface InstalledVersionInfo extends ByteUsage {
  name: string;
  version: string;
  summary: string | null;
  requiresPython: string | null;
  /** Requires-Dist exactly as declared (extras and markers included). */
  requiresDist: string[];
  /** Names of what it needs here (markers evaluated for this interpreter, no extras), as pip show. */
  requires: string[];
  installer: string | null;
  location: string;
  distInfo: string;
}

export interface BubbledVersionInfo extends InstalledVersionInfo {
  /** The bubble holding it and the root distribution the bubble was made for. */
  bubble: { name: string; version: string; path: string; sizeBytes: number; sharedBytes: number };
}

export interface PackageInfo {
  name: string;
  /** The version in main, what a plain `import` gets; null when it exists only in bubbles. */
  active:
    (InstalledVersionInfo & { requested: boolean; requiredBy: string[]; neededByBubbles: string[] }) | null;
  bubbled: BubbledVersionInfo[];
}

export class PackageNotInstalled extends OmnipkgError {
  constructor(spec: string, where: string) {
    super("NOT_INSTALLED", `${spec} is not installed in ${where}.`, {
      hint: "Run `omnipkg list` to see what is installed, or `omnipkg install` to add it.",
    });
  }
}

function mainByName(dists: ScannedDist[]): Map<string, ScannedDist> {
  // Later entries win, as in pip's package set (a broken env can hold two dist-infos of one name).
  return new Map(dists.map((d) => [d.canonicalName, d]));
}

function summarizeBubble(
  target: InspectTarget,
  bubble: Bubble,
  main: Map<string, ScannedDist>,
): BubbleSummary {
  const m = bubble.manifest;
  return {
    name: m.name,
    version: m.version,
    path: bubble.dir,
    relativePath: relative(target.envDir, bubble.dir),
    python: m.python,
    created: m.created,
    dists: m.dists.map((d) => ({ name: d.name, version: d.version, location: d.location })),
    stale: staleEntries(bubble, main),
    ...measureTree(bubble.dir),
  };
}

export function listPackages(target: InspectTarget): PackageListing {
  const dists = scanInstalled(target.scheme);
  const main = mainByName(dists);
  return {
    envDir: target.envDir,
    python: target.facts.version,
    packages: dists.map((d) => ({
      name: d.name,
      version: displayVersion(d.version),
      installer: d.installer ?? null,
      requested: d.requested,
      location: siteOf(d),
      editableProject: d.hasDirectUrl ? (editableLocation(readDirectUrl(d)) ?? null) : null,
    })),
    bubbles: listBubbles(target.envDir).map((b) => summarizeBubble(target, b, main)),
  };
}

function describeVersion(target: InspectTarget, dist: ScannedDist): InstalledVersionInfo {
  const meta = readMetadata(dist);
  let requires: string[] = [];
  try {
    requires = [...new Set(baseRequirements(meta, target.facts.marker_env).map((r) => r.name))].sort(
      byLowerName,
    );
  } catch {
    // Unparsable Requires-Dist: `omnipkg check` reports it; info still shows the raw lines.
  }
  return {
    name: meta.name,
    version: displayVersion(meta.version),
    summary: meta.summary ?? null,
    requiresPython: meta.requiresPython ?? null,
    requiresDist: meta.requiresDist,
    requires,
    installer: dist.installer ?? null,
    location: siteOf(dist),
    distInfo: dist.distInfo,
    ...measureFiles(recordFiles(dist)),
  };
}

/** Installed main distributions that need `name` (pip show's Required-by). */
function requiredBy(target: InspectTarget, name: string, dists: ScannedDist[]): string[] {
  const out: string[] = [];
  for (const dist of dists) {
    if (dist.canonicalName === name) continue;
    try {
      const reqs = baseRequirements(readMetadata(dist), target.facts.marker_env);
      if (reqs.some((r) => canonicalizeName(r.name) === name)) out.push(dist.name);
    } catch {
      // A distribution with broken metadata cannot be said to require anything.
    }
  }
  return out.sort(byLowerName);
}

/** pip show sorts Requires and Required-by with `key=str.lower`. */
function byLowerName(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * `omnipkg info NAME` (or `NAME==VER`, `NAME<2`: only matching versions are shown): the version in
 * main and every bubbled version, with the bytes each takes.
 */
export function packageInfo(target: InspectTarget, spec: string): PackageInfo {
  const req = parseRequirement(spec.trim());
  const name = canonicalizeName(req.name);
  const wanted = (version: string): boolean => {
    if (req.specifier.size === 0) return true;
    try {
      return req.specifier.contains(version, { prereleases: true });
    } catch {
      return false; // a legacy (unparsable) version matches no specifier
    }
  };
  const dists = scanInstalled(target.scheme);
  const main = mainByName(dists).get(name);
  const bubbles = listBubbles(target.envDir);
  let active: PackageInfo["active"] = null;
  if (main && wanted(main.version)) {
    active = {
      ...describeVersion(target, main),
      requested: main.requested,
      requiredBy: requiredBy(target, name, dists),
      neededByBubbles: bubbles
        .filter((b) =>
          b.manifest.dists.some((d) => d.location === "main" && canonicalizeName(d.name) === name),
        )
        .map((b) => `${b.manifest.name}==${b.manifest.version}`),
    };
  }
  const bubbled: BubbledVersionInfo[] = [];
  for (const bubble of bubbles) {
    const inBubble = scanDistsIn(bubble.dir).find((d) => d.canonicalName === name);
    if (!inBubble || !wanted(inBubble.version)) continue;
    const usage = measureTree(bubble.dir);
    bubbled.push({
      ...describeVersion(target, inBubble),
      bubble: {
        name: bubble.manifest.name,
        version: bubble.manifest.version,
        path: bubble.dir,
        sizeBytes: usage.sizeBytes,
        sharedBytes: usage.sharedBytes,
      },
    });
  }
  if (!active && bubbled.length === 0) {
    throw new PackageNotInstalled(
      req.specifier.size === 0 ? req.name : spec.trim(),
      target.label ?? target.envDir,
    );
  }
  bubbled.sort(newestFirst);
  return { name: active?.name ?? bubbled[0]!.name, active, bubbled };
}

/** Newest version first; one version in several bubbles keeps bubble-folder order (sort is stable). */
function newestFirst(a: BubbledVersionInfo, b: BubbledVersionInfo): number {
  try {
    return compareVersions(b.version, a.version);
  } catch {
    return 0; // legacy versions have no order; keep folder order
  }
}
