import { withLockedTarget } from "./lockedTarget.ts";
import { nowMs } from "../core/clock.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { OmnipkgError, UsageError } from "../core/errors.ts";
import { homeLayout } from "../core/home.ts";
import type { IndexFlags } from "../index/index.ts";
import {
  installWheels,
  listDistsIn,
  listInstalled,
  recoverEnv,
  type InstalledDist,
} from "../install/index.ts";
import { type KnowledgeBase, type RevisionItem } from "../kb/index.ts";
import type { InterpreterFacts } from "../python/index.ts";
import {
  canonicalizeName,
  normalizeVersion,
  parseCoreMetadata,
  parseRequiresDist,
} from "../standards/index.ts";
import { createLinker, createStore, type Store, type WheelManifest } from "../store/index.ts";
import { bubbleFolderName, bubblesDir, listBubbles, type Bubble } from "../bubbles/bubbleManifest.ts";
import { createBubble, removeBubble } from "../bubbles/writeBubble.ts";
import { readEnvState } from "./envState.ts";
import { fetchPinnedWheels, RevertNeedsDownload } from "./fetchPinned.ts";
import { ensureEnvironmentRecorded, recordBubble, recordStoreRefs, toKbDist } from "./kbRecords.ts";
import { installPackages, type InstallEvents, type PackageRef } from "./install.ts";
import { type EnvTarget, type TargetOptions } from "./target.ts";
import type { OperationEvents } from "./events.ts";

/**
 * `omnipkg swap NAME==VERSION`: the bubbled version becomes main's, and main's version (with every
 * distribution of main the bubble replaces) moves into a bubble of its own. Wheels come from the
 * store (`omnipkg_wheel` of main's dist-info, `wheel_sha256` of bubble manifests); only a wheel the
 * store lacks is fetched. Order of changes, so that a failure leaves main as it was: the new bubble
 * (and rebuilt stale bubbles) first, then one installWheels transaction for main, then the old
 * bubble is removed. A version that is in no bubble and not in main is installed with the
 * latest-active strategy, which has the same outcome.
 *
 * Rule 5 of src/runtime/README.md: another bubble that takes a distribution "from main" at the
 * version the swap replaces would become stale; it is rebuilt with main's old copy inside it, or
 * reported when that is not possible.
 */
export interface SwapRequest {
  spec: string;
  target: TargetOptions;
  indexFlags?: IndexFlags;
  command: string;
}

export type SwapEvents = OperationEvents;

export interface StaleBubble {
  name: string;
  version: string;
  path: string;
  /** The distribution the bubble takes from main, the version it expects and what main now has. */
  dist: string;
  expects: string;
  main: string;
}

export interface SwapReport {
  environment: string;
  python: string;
  name: string;
  version: string;
  /** Main's version before the swap (undefined when main lacked the project). */
  fromVersion: string | undefined;
  /** The requested version was already main's: nothing changed. */
  alreadyActive: boolean;
  /** It was in no bubble, so the install engine put it into main (latest-active). */
  viaInstall: boolean;
  intoMain: (PackageRef & { fromVersion?: string })[];
  bubbleCreated: { name: string; version: string; path: string; dists: PackageRef[] } | undefined;
  bubbleRemoved: { name: string; version: string; path: string } | undefined;
  bubblesRebuilt: { name: string; version: string; path: string }[];
  staleBubbles: StaleBubble[];
  /** Wheels the store lacked, fetched from the index. */
  fetched: PackageRef[];
  revision: number | undefined;
  ms: number;
}

export class SwapSourceStale extends OmnipkgError {
  constructor(bubble: string, dist: string, expects: string, main: string) {
    super(
      "SWAP_BUBBLE_STALE",
      `Cannot swap to ${bubble}: its bubble takes ${dist}==${expects} from main, but main has ${dist}==${main}; nothing was changed.`,
      { hint: `Rebuild it first: omnipkg uninstall ${bubble} && omnipkg install ${bubble}` },
    );
  }
}

export function parseSwapSpec(spec: string): { name: string; version: string } {
  const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*===?\s*([^\s,;<>=!~]+)\s*$/.exec(spec);
  if (!match) {
    throw new UsageError(`"${spec}" is not NAME==VERSION.`, {
      hint: "Name the exact version to make main's, for example: omnipkg swap rich==13.4.2",
    });
  }
  let version: string;
  try {
    version = normalizeVersion(match[2]!);
  } catch {
    throw new UsageError(`"${match[2]}" in "${spec}" is not a valid version.`);
  }
  return { name: canonicalizeName(match[1]!), version };
}

export async function swapPackage(request: SwapRequest, events: SwapEvents = {}): Promise<SwapReport> {
  const started = nowMs();
  const { name, version } = parseSwapSpec(request.spec);
  const layout = homeLayout();
  const done = await withLockedTarget(layout, request.target, events.onLockWait, async (kb, target) => {
    recoverEnv(target.scheme);
    const installed = listInstalled(target.scheme);
    const current = installed.find((d) => d.canonicalName === name);
    const base = emptyReport(target, name, version, current?.version);
    const source = findBubble(target.envDir, name, version);
    if (current && normalizeVersion(current.version) === version) {
      return { ...base, alreadyActive: true, ms: nowMs() - started };
    }
    if (source) {
      const report = await swapFromBubble({ kb, target, installed, source, request, events }, base);
      return { ...report, ms: nowMs() - started };
    }
    return undefined;
  });
  // Outside the lock and the KB: the install engine takes both itself.
  return done ?? swapByInstall(request, name, version, events, started);
}

function emptyReport(
  target: EnvTarget,
  name: string,
  version: string,
  fromVersion: string | undefined,
): SwapReport {
  return {
    environment: target.label,
    python: target.facts.version,
    name,
    version,
    fromVersion,
    alreadyActive: false,
    viaInstall: false,
    intoMain: [],
    bubbleCreated: undefined,
    bubbleRemoved: undefined,
    bubblesRebuilt: [],
    staleBubbles: [],
    fetched: [],
    revision: undefined,
    ms: 0,
  };
}

function findBubble(envDir: string, name: string, version: string): Bubble | undefined {
  return listBubbles(envDir).find(
    (b) => canonicalizeName(b.manifest.name) === name && normalizeVersion(b.manifest.version) === version,
  );
}

/** Not bubbled and not in main: the install engine's latest-active strategy does exactly a swap. */
async function swapByInstall(
  request: SwapRequest,
  name: string,
  version: string,
  events: SwapEvents,
  started: number,
): Promise<SwapReport> {
  events.info?.(`${name}==${version} is in no bubble: installing it into main (latest-active).`);
  const installEvents: InstallEvents = {
    ...(events.warn ? { warn: events.warn } : {}),
    ...(events.onLockWait ? { onLockWait: events.onLockWait } : {}),
  };
  const result = await installPackages(
    {
      requirements: [`${name}==${version}`],
      target: request.target,
      ...(request.indexFlags ? { indexFlags: request.indexFlags } : {}),
      strategy: "latest-active",
      command: request.command,
    },
    installEvents,
  );
  const displaced = result.bubbles.find((b) => !b.existed);
  const removedFromMain = new Map(result.removed.map((r) => [canonicalizeName(r.name), r.version]));
  return {
    environment: result.environment,
    python: result.python,
    name,
    version,
    fromVersion: removedFromMain.get(name),
    alreadyActive: false,
    viaInstall: true,
    intoMain: result.installed.map((p) => {
      const from = removedFromMain.get(canonicalizeName(p.name));
      return from ? { ...p, fromVersion: from } : p;
    }),
    bubbleCreated: displaced
      ? { name: displaced.name, version: displaced.version, path: displaced.path, dists: displaced.dists }
      : undefined,
    bubbleRemoved: undefined,
    bubblesRebuilt: [],
    staleBubbles: [],
    fetched: result.downloads > 0 ? result.installed : [],
    revision: result.revision,
    ms: nowMs() - started,
  };
}

interface SwapContext {
  kb: KnowledgeBase;
  target: EnvTarget;
  installed: InstalledDist[];
  source: Bubble;
  request: SwapRequest;
  events: SwapEvents;
}

async function swapFromBubble(ctx: SwapContext, report: SwapReport): Promise<SwapReport> {
  const { target, installed, source } = ctx;
  const layout = homeLayout();
  const store = createStore(layout.storeDir);
  const mainByName = new Map(installed.map((d) => [d.canonicalName, d]));
  const sourceLabel = `${report.name}==${report.version}`;

  // The bubble's resolution must still agree with main about what it takes from it.
  for (const d of source.manifest.dists) {
    if (d.location !== "main") continue;
    const have = mainByName.get(canonicalizeName(d.name));
    if (!have || normalizeVersion(have.version) !== normalizeVersion(d.version))
      throw new SwapSourceStale(sourceLabel, d.name, d.version, have?.version ?? "nothing");
  }

  // What goes into main: the bubble's own distributions. What they replace in main moves out.
  const bubbleWheels = new Map(listDistsIn(source.dir).map((d) => [d.canonicalName, d.wheelSha256]));
  const incoming = source.manifest.dists
    .filter((d) => d.location === "bubble")
    .map((d) => ({
      name: canonicalizeName(d.name),
      version: d.version,
      sha: d.wheel_sha256 ?? bubbleWheels.get(canonicalizeName(d.name)),
    }));
  const replaced = incoming
    .map((d) => ({ have: mainByName.get(d.name), want: d.version }))
    .filter(
      ({ have, want }) => have !== undefined && normalizeVersion(have.version) !== normalizeVersion(want),
    )
    .map(({ have }) => have!);
  const replacedNames = new Set(replaced.map((d) => d.canonicalName));

  // Every wheel from the store, else fetched, before anything on disk changes.
  const wanted: { ref: PackageRef; sha: string | undefined }[] = [
    ...incoming.map((d) => ({ ref: { name: d.name, version: d.version }, sha: d.sha })),
    ...replaced.map((d) => ({ ref: { name: d.canonicalName, version: d.version }, sha: d.wheelSha256 })),
  ];
  const manifests = await gatherWheels(wanted, store, ctx, report);
  const key = (name: string, v: string) => `${name}==${normalizeVersion(v)}`;
  const incomingManifests = incoming.map((d) => manifests.get(key(d.name, d.version))!);
  const outgoingManifests = replaced.map((d) => manifests.get(key(d.canonicalName, d.version))!);

  const linker = createLinker(ctx.events.warn ? { warn: ctx.events.warn } : {});
  const mainVersion = report.fromVersion;
  let newBubbleDir: string | undefined;
  const newBubbleExisted =
    mainVersion !== undefined &&
    existsSync(join(bubblesDir(target.envDir), bubbleFolderName(report.name, mainVersion)));
  if (mainVersion !== undefined) {
    const closure = dependencyClosure(report.name, mainByName, target.facts);
    newBubbleDir = createBubble(
      store,
      target.scheme,
      {
        name: report.name,
        version: normalizeVersion(mainVersion),
        inBubble: outgoingManifests,
        fromMain: [...closure]
          .filter((n) => !replacedNames.has(n))
          .map((n) => ({
            name: mainByName.get(n)!.name,
            version: mainByName.get(n)!.version,
            topLevel: topLevelOf(mainByName.get(n)!),
          })),
      },
      { linker, replace: true },
    );
    report.bubbleCreated = {
      name: report.name,
      version: normalizeVersion(mainVersion),
      path: newBubbleDir,
      dists: replaced.map((d) => ({ name: d.name, version: d.version })),
    };
  }
  const oldVersions = new Map(replaced.map((d) => [d.canonicalName, normalizeVersion(d.version)]));
  const newVersions = new Map(incoming.map((d) => [d.name, d.version]));
  const rebuilt = rebuildStaleBubbles(ctx, store, linker, { oldVersions, newVersions }, manifests, report);

  try {
    installWheels(
      store,
      target.scheme,
      incomingManifests.map((manifest) => ({
        manifest,
        requested: canonicalizeName(manifest.name) === report.name,
      })),
      { linker, ...(ctx.events.warn ? { warn: ctx.events.warn } : {}) },
    );
  } catch (error) {
    // Main is as it was (one transaction); the bubble made for its version would be a duplicate.
    if (newBubbleDir && !newBubbleExisted) removeBubble(newBubbleDir);
    throw error;
  }
  removeBubble(source.dir);
  report.bubbleRemoved = { name: source.manifest.name, version: source.manifest.version, path: source.dir };
  report.intoMain = incomingManifests.map((m) => {
    const before = mainByName.get(canonicalizeName(m.name));
    return before
      ? { name: m.name, version: m.version, fromVersion: before.version }
      : { name: m.name, version: m.version };
  });
  await recordSwap(ctx, report, incomingManifests, outgoingManifests, rebuilt);
  return report;
}

async function gatherWheels(
  wanted: { ref: PackageRef; sha: string | undefined }[],
  store: Store,
  ctx: SwapContext,
  report: SwapReport,
): Promise<Map<string, WheelManifest>> {
  const out = new Map<string, WheelManifest>();
  const missing: PackageRef[] = [];
  for (const { ref, sha } of wanted) {
    const manifest = sha ? store.manifest(sha) : undefined;
    if (manifest) out.set(`${ref.name}==${normalizeVersion(ref.version)}`, manifest);
    else missing.push(ref);
  }
  if (missing.length === 0) return out;
  for (const ref of missing)
    ctx.events.info?.(`${ref.name}==${ref.version} is not in the store: fetching it from the index.`);
  try {
    const fetched = await fetchPinnedWheels(missing, {
      layout: homeLayout(),
      kb: ctx.kb,
      store,
      facts: ctx.target.facts,
      indexFlags: ctx.request.indexFlags ?? {},
    });
    for (const [k, m] of fetched) out.set(`${k.split("==")[0]}==${normalizeVersion(m.version)}`, m);
  } catch (error) {
    if (!(error instanceof RevertNeedsDownload)) throw error;
    throw new OmnipkgError("SWAP_NEEDS_DOWNLOAD", error.message.replace(/^Cannot revert/, "Cannot swap"), {
      hint: "Run the swap again with the index reachable, or reinstall that version.",
    });
  }
  report.fetched = missing;
  return out;
}

/** Names main's distribution `root` needs, transitively, as main has them (markers evaluated, no extras). */
function dependencyClosure(
  root: string,
  main: Map<string, InstalledDist>,
  facts: InterpreterFacts,
): Set<string> {
  const seen = new Set<string>();
  const todo = [root];
  while (todo.length > 0) {
    const name = todo.pop()!;
    const dist = main.get(name);
    if (!dist || seen.has(name)) continue;
    seen.add(name);
    let requires: ReturnType<typeof parseRequiresDist>;
    try {
      requires = parseRequiresDist(parseCoreMetadata(readFileSync(join(dist.distInfo, "METADATA"), "utf8")));
    } catch {
      continue; // unreadable metadata: its dependencies stay unlisted (the loader still finds them in main)
    }
    for (const req of requires) {
      if (req.marker && !req.marker.evaluate(facts.marker_env, [])) continue;
      todo.push(canonicalizeName(req.name));
    }
  }
  return seen;
}

/** Top-level names of a main distribution, from its RECORD (the bubble manifest wants them). */
function topLevelOf(dist: InstalledDist): string[] {
  try {
    const names = new Set<string>();
    for (const line of readFileSync(join(dist.distInfo, "RECORD"), "utf8").split(/\r?\n/)) {
      const path = line.split(",")[0] ?? "";
      const first = path.split("/")[0] ?? "";
      if (
        !first ||
        first.endsWith(".dist-info") ||
        first.endsWith(".data") ||
        first === ".." ||
        first === "__pycache__"
      )
        continue;
      if (path.includes("/")) names.add(first);
      else if (first.endsWith(".py")) names.add(first.slice(0, -3));
      else if (/\.(so|pyd)$/.test(first)) names.add(first.split(".")[0]!);
    }
    return [...names].sort();
  } catch {
    return [];
  }
}

/**
 * Bubbles (other than the source) that take a replaced distribution from main at its old version:
 * rebuilt with main's old copy inside (README rule 5). A bubble whose own wheels are not in the
 * store is reported instead of rebuilt, so a swap never downloads for a bystander.
 */
function rebuildStaleBubbles(
  ctx: SwapContext,
  store: Store,
  linker: ReturnType<typeof createLinker>,
  versions: { oldVersions: Map<string, string>; newVersions: Map<string, string> },
  manifests: Map<string, WheelManifest>,
  report: SwapReport,
): { folder: string; name: string; version: string; manifests: WheelManifest[] }[] {
  const rebuilt: { folder: string; name: string; version: string; manifests: WheelManifest[] }[] = [];
  const mainFolder = report.bubbleCreated
    ? bubbleFolderName(report.name, report.bubbleCreated.version)
    : undefined;
  for (const bubble of listBubbles(ctx.target.envDir)) {
    const folder = bubble.dir.split("/").pop()!;
    if (bubble.dir === ctx.source.dir || folder === mainFolder) continue;
    const affected = bubble.manifest.dists.filter(
      (d) =>
        d.location === "main" &&
        versions.oldVersions.get(canonicalizeName(d.name)) === normalizeVersion(d.version),
    );
    if (affected.length === 0) continue;
    const own = new Map(listDistsIn(bubble.dir).map((d) => [d.canonicalName, d.wheelSha256]));
    const inBubble: WheelManifest[] = [];
    let complete = true;
    for (const d of bubble.manifest.dists) {
      const name = canonicalizeName(d.name);
      if (d.location === "bubble") {
        const sha = d.wheel_sha256 ?? own.get(name);
        const m = sha ? store.manifest(sha) : undefined;
        if (m) inBubble.push(m);
        else complete = false;
      } else if (affected.includes(d)) {
        inBubble.push(manifests.get(`${name}==${normalizeVersion(d.version)}`)!);
      }
    }
    if (!complete) {
      for (const d of affected) {
        report.staleBubbles.push({
          name: bubble.manifest.name,
          version: bubble.manifest.version,
          path: bubble.dir,
          dist: d.name,
          expects: d.version,
          main: versions.newVersions.get(canonicalizeName(d.name)) ?? "another version",
        });
      }
      continue;
    }
    createBubble(
      store,
      ctx.target.scheme,
      {
        name: canonicalizeName(bubble.manifest.name),
        version: bubble.manifest.version,
        inBubble,
        fromMain: bubble.manifest.dists
          .filter((d) => d.location === "main" && !affected.includes(d))
          .map((d) => ({ name: d.name, version: d.version, topLevel: d.top_level })),
      },
      { linker, replace: true },
    );
    report.bubblesRebuilt.push({
      name: bubble.manifest.name,
      version: bubble.manifest.version,
      path: bubble.dir,
    });
    rebuilt.push({
      folder,
      name: canonicalizeName(bubble.manifest.name),
      version: bubble.manifest.version,
      manifests: inBubble,
    });
  }
  return rebuilt;
}

async function recordSwap(
  ctx: SwapContext,
  report: SwapReport,
  incoming: WheelManifest[],
  outgoing: WheelManifest[],
  rebuilt: { folder: string; name: string; version: string; manifests: WheelManifest[] }[],
): Promise<void> {
  const { kb, target } = ctx;
  await ensureEnvironmentRecorded({ kb, target });
  await recordStoreRefs(kb, [...incoming, ...outgoing]);
  const sourceFolder = ctx.source.dir.split("/").pop()!;
  await kb.removeEnvironment(`${target.envId}#${sourceFolder}`);
  const bubbles = [...rebuilt];
  if (report.bubbleCreated) {
    bubbles.push({
      folder: bubbleFolderName(report.name, report.bubbleCreated.version),
      name: report.name,
      version: report.bubbleCreated.version,
      manifests: outgoing,
    });
  }
  for (const b of bubbles) {
    await kb.removeEnvironment(`${target.envId}#${b.folder}`);
    await recordBubble(kb, target, b, b.manifests);
  }
  const newFolder = report.bubbleCreated
    ? bubbleFolderName(report.name, report.bubbleCreated.version)
    : undefined;
  const movedIntoBubble: RevisionItem[] = outgoing.map((m) => ({
    name: m.name,
    version: m.version,
    wheelSha256: m.sha256,
    ...(newFolder ? { bubble: newFolder } : {}),
  }));
  const movedOutOfBubble: RevisionItem[] = incoming.map((m) => {
    const before = report.intoMain.find((p) => canonicalizeName(p.name) === canonicalizeName(m.name));
    return {
      name: m.name,
      version: m.version,
      wheelSha256: m.sha256,
      bubble: sourceFolder,
      ...(before?.fromVersion ? { fromVersion: before.fromVersion } : {}),
    };
  });
  report.revision = await kb.applyChange({
    envId: target.envId,
    put: incoming.map((m) => toKbDist(m, canonicalizeName(m.name) === report.name)),
    revision: {
      command: ctx.request.command,
      movedIntoBubble,
      movedOutOfBubble,
      state: readEnvState(target.scheme),
    },
  });
}
