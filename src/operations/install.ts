import { withLockedTarget } from "./lockedTarget.ts";
import {
  addPutItem,
  ensureEnvironmentRecorded,
  recordBubble,
  recordStoreRefs,
  toKbDist,
} from "./kbRecords.ts";
import { omnipkgVersion } from "../core/packageRoot.ts";
import { nowMs } from "../core/clock.ts";
import { childProcess } from "../core/lazyBuiltins.ts";
import { join } from "node:path";
import pLimit from "p-limit";
import { OmnipkgError } from "../core/errors.ts";
import { homeLayout, type HomeLayout } from "../core/home.ts";
import { installInterruptHandler, onInterrupt } from "../core/interrupt.ts";
import {
  createIndexClient,
  loadIndexSettings,
  readCacheFile,
  writeCacheFile,
  type DistFile,
  type IndexFlags,
} from "../index/index.ts";
import {
  installWheels,
  listInstalled,
  prestartLinkHelper,
  recoverEnv,
  type InstalledDist,
} from "../install/index.ts";
import { type KnowledgeBase, type RevisionItem } from "../kb/index.ts";
import {
  resolve,
  ResolutionImpossible,
  type Resolution,
  type ResolutionMemo,
  type ResolvedPackage,
} from "../resolve/index.ts";
import { canonicalizeName, type Requirement } from "../standards/index.ts";
import { createStore, createLinker, type Store, type WheelManifest } from "../store/index.ts";
import { installForgotten } from "../build/forgetBuildEnv.ts";
import { createBubble, removeBubble } from "../bubbles/writeBubble.ts";
import { bubbleFolderName, bubblesDir, listBubbles } from "../bubbles/bubbleManifest.ts";
import { createDistSource, type DistSource } from "./distSource.ts";
import { directUrlRecord, parseRoots, type DirectCandidate } from "./directRequirements.ts";
import { createIndexProvider, yankedWarning, type DistCandidate } from "./indexProvider.ts";
import { readRequirementFiles } from "./requirementsFile.ts";
import { createWheelFactsCache } from "./wheelFacts.ts";
import { createCandidateCache } from "./candidateCache.ts";
import { type EnvTarget, type TargetOptions } from "./target.ts";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { readEnvState } from "./envState.ts";
import type { OperationEvents } from "./events.ts";

/**
 * `omnipkg install`: resolve, fetch into the store, link into the environment, record.
 *
 * Strategies (issue: bubbles): with `stable-main` (the default) main is never changed: a request
 * that would change the version of anything already in main (itself or any dependency) goes into a
 * bubble holding only the distributions that differ from main. With `latest-active` the new
 * versions go into main and the versions they replace move into a bubble. Several specifiers for
 * one project in one command (`rich==13.4.2 rich==13.9.4`): the first is treated as usual, the
 * others become bubbles.
 */

export type Strategy = "stable-main" | "latest-active";

export interface InstallRequest {
  requirements: string[];
  requirementFiles?: string[];
  constraintFiles?: string[];
  target: TargetOptions;
  indexFlags?: IndexFlags;
  noDeps?: boolean;
  dryRun?: boolean;
  pre?: boolean;
  reinstall?: boolean;
  compile?: boolean;
  strategy?: Strategy;
  /** Install straight into main even when that changes it (no bubbles): pip's behaviour. */
  noBubbles?: boolean;
  /** The command line, recorded in the revision. */
  command: string;
}

export interface PackageRef {
  name: string;
  version: string;
}

export interface BubbleReport {
  name: string;
  version: string;
  path: string;
  dists: PackageRef[];
  existed: boolean;
}

export interface InstallReport {
  environment: string;
  python: string;
  strategy: Strategy;
  dryRun: boolean;
  resolved: PackageRef[];
  installed: PackageRef[];
  removed: PackageRef[];
  bubbles: BubbleReport[];
  downloads: number;
  revision: number | undefined;
  timings: { resolveMs: number; prepareMs: number; installMs: number };
}

export interface InstallEvents extends Omit<OperationEvents, "info"> {
  onDownloadStart?: (file: DistFile) => void;
  onDownloadProgress?: (file: DistFile, received: number, total: number | undefined) => void;
  onDownloadDone?: (file: DistFile, bytes: number) => void;
}

interface Context {
  layout: HomeLayout;
  kb: KnowledgeBase;
  target: EnvTarget;
  store: Store;
  source: DistSource;
  installed: Map<string, InstalledDist>;
  direct: Map<string, DirectCandidate>;
  request: InstallRequest;
  events: InstallEvents;
  constraints: Requirement[];
  clientClose: () => Promise<void>;
  resolveWith(
    roots: Requirement[],
    options?: { pins?: boolean; preferInstalled?: boolean },
  ): Promise<Resolution<DistCandidate>>;
}

export async function installPackages(
  request: InstallRequest,
  events: InstallEvents = {},
): Promise<InstallReport> {
  const layout = homeLayout();
  installInterruptHandler();
  // Store temp files are named `<pid>-...`: an interrupted import leaves only this process's.
  onInterrupt(() => removeOwnStoreTemps(layout.storeDir));
  return withLockedTarget(layout, request.target, events.onLockWait, async (kb, target) => {
    const ctx = await createContext(layout, kb, target, request, events);
    try {
      return await runInstall(ctx);
    } finally {
      await ctx.clientClose();
    }
  });
}

async function createContext(
  layout: HomeLayout,
  kb: KnowledgeBase,
  target: EnvTarget,
  request: InstallRequest,
  events: InstallEvents,
): Promise<Context> {
  recoverEnv(target.scheme);
  const lines = readRequirementFiles(request.requirementFiles ?? [], "requirements");
  readRequirementFiles(request.constraintFiles ?? [], "constraints", lines);
  const words = [
    ...request.requirements.map((text) => ({ text, origin: "command line" })),
    ...lines.requirements,
  ];
  if (words.length === 0) {
    throw new OmnipkgError("NOTHING_TO_INSTALL", "Name at least one package to install.", {
      hint: "For example: omnipkg install rich==13.9.4, or -r requirements.txt.",
      exitCode: 2,
    });
  }
  const roots = parseRoots(words);
  const constraints = parseRoots(lines.constraints).requirements;
  const settings = loadIndexSettings({
    flags: request.indexFlags ?? {},
    cacheDir: join(layout.cacheDir, "http"),
  });
  const client = createIndexClient(settings, {
    ...(events.warn ? { onWarning: events.warn } : {}),
    pageCacheDir: join(layout.cacheDir, "pages"),
  });
  const store = createStore(layout.storeDir);
  const installed = new Map(listInstalled(target.scheme).map((d) => [d.canonicalName, d]));
  const source = createDistSource({
    client,
    store,
    kb,
    facts: target.facts,
    tmpDir: layout.tmpDir,
    importLocalWheelsEarly: !request.dryRun,
    // The PEP 517 machinery (tar, TOML) loads only when an sdist really has to be built.
    build: async (sdist, outDir) =>
      (await import("../build/buildWheel.ts")).buildWheelFromSdist(sdist, outDir, {
        python: target.facts.real_executable,
        tmpDir: layout.tmpDir,
        installRequirements: (envDir, reqs) =>
          installForgotten(kb, envDir, () => installIntoBuildEnv(envDir, reqs, request, events)),
      }),
    ...(events.onDownloadStart ? { onDownloadStart: events.onDownloadStart } : {}),
    ...(events.onDownloadProgress ? { onDownloadProgress: events.onDownloadProgress } : {}),
    ...(events.onDownloadDone ? { onDownloadDone: events.onDownloadDone } : {}),
  });
  const provider = createIndexProvider({
    client,
    source,
    facts: target.facts,
    installed,
    direct: roots.direct,
    noDeps: request.noDeps ?? false,
    wheelFacts: createWheelFactsCache(join(layout.cacheDir, "wheel-facts")),
    candidateCache: createCandidateCache(join(layout.cacheDir, "candidates")),
  });
  const pythonVersion = target.facts.version_info.slice(0, 3).join(".");
  const memo = resolutionMemo(layout, {
    // A new omnipkg may choose differently (a solver or parser fix): never replay an older one's.
    omnipkg: omnipkgVersion(),
    indexes: client.indexes,
    settings,
    facts: target.facts,
    installed: [...installed.values()].map((d) => [d.canonicalName, d.version, d.distInfo]),
    noDeps: request.noDeps ?? false,
    // Not read by one resolution, but cheap to include: a memo never spans two kinds of command.
    strategy: request.strategy ?? "stable-main",
    noBubbles: request.noBubbles ?? false,
    reinstall: request.reinstall ?? false,
  });
  const ctx: Context = {
    layout,
    kb,
    target,
    store,
    source,
    installed,
    direct: roots.direct,
    request: { ...request, requirements: roots.requirements.map(String) },
    events,
    constraints,
    clientClose: () => client.close(),
    resolveWith: (rootReqs, options = {}) => {
      const pins =
        options.pins === true ? [...installed.values()].map((d) => `${d.canonicalName}==${d.version}`) : [];
      return resolve(rootReqs, provider, {
        env: target.facts.marker_env,
        pythonVersion,
        constraints: [...constraints, ...pins],
        pre: request.pre ?? false,
        memo,
        ...(options.preferInstalled === false || request.reinstall
          ? {}
          : { installed: new Map([...installed].map(([n, d]) => [n, d.version])) }),
      }).finally(() => source.saveMetadata());
    },
  };
  (ctx as { roots?: Requirement[] }).roots = roots.requirements;
  return ctx;
}

/**
 * Resolutions remembered under the home's cache (src/resolve/memo.ts says when one is replayed).
 * `context` is every input of the provider that the resolver cannot see: index settings,
 * interpreter facts, the installed set, flags.
 */
function resolutionMemo(layout: HomeLayout, context: unknown): ResolutionMemo {
  const dir = join(layout.cacheDir, "resolutions");
  return {
    context: JSON.stringify(context),
    store: {
      get: (key) => readCacheFile(join(dir, `${key}.json`)),
      put: (key, value) => writeCacheFile(join(dir, `${key}.json`), value),
    },
  };
}

/** Build requirements of an sdist go into its throwaway build env through this same engine. */
async function installIntoBuildEnv(
  envDir: string,
  requirements: string[],
  parent: InstallRequest,
  events: InstallEvents,
): Promise<void> {
  await installPackages(
    {
      requirements,
      target: { env: envDir },
      ...(parent.indexFlags ? { indexFlags: parent.indexFlags } : {}),
      noBubbles: true,
      command: `build requirements: ${requirements.join(" ")}`,
    },
    events,
  );
}

function rootsOf(ctx: Context): Requirement[] {
  return (ctx as { roots?: Requirement[] }).roots ?? [];
}

/** Versions in `res` that differ from what main has (for names main has). */
function changesToMain(ctx: Context, res: Resolution<DistCandidate>): ResolvedPackage<DistCandidate>[] {
  return [...res.packages.values()].filter((p) => {
    const have = ctx.installed.get(p.name);
    return have !== undefined && have.version !== p.version;
  });
}

interface Plan {
  main: Resolution<DistCandidate> | undefined;
  bubbles: { root: Requirement; resolution: Resolution<DistCandidate> }[];
  /** latest-active: the versions replaced in main, to move into bubbles. */
  displaced: { root: string; rootVersion: string; dists: InstalledDist[] }[];
}

async function fitsMain(ctx: Context, roots: Requirement[]): Promise<Resolution<DistCandidate> | undefined> {
  try {
    return await ctx.resolveWith(roots, { pins: true });
  } catch (error) {
    if (error instanceof ResolutionImpossible) return undefined;
    throw error;
  }
}

async function planInstall(ctx: Context): Promise<Plan> {
  const roots = rootsOf(ctx);
  const firstByName = new Map<string, Requirement>();
  const extraRoots: Requirement[] = [];
  for (const root of roots) {
    const name = canonicalizeName(root.name);
    if (firstByName.has(name)) extraRoots.push(root);
    else firstByName.set(name, root);
  }
  const mainRoots = [...firstByName.values()];
  const strategy = ctx.request.strategy ?? "stable-main";
  const plan: Plan = { main: undefined, bubbles: [], displaced: [] };

  const full = await ctx.resolveWith(mainRoots);
  const changes = changesToMain(ctx, full);
  if (changes.length === 0 || ctx.request.noBubbles || ctx.request.reinstall) {
    plan.main = full;
  } else if (strategy === "latest-active") {
    plan.main = full;
    const displacedDists = changes.map((p) => ctx.installed.get(p.name)!);
    for (const root of mainRoots) {
      const name = canonicalizeName(root.name);
      const before = ctx.installed.get(name);
      const after = full.packages.get(name);
      if (before && after && before.version !== after.version) {
        plan.displaced.push({ root: name, rootVersion: before.version, dists: displacedDists });
      }
    }
    if (plan.displaced.length === 0 && displacedDists.length > 0) {
      // Only dependencies change: name the bubble after the first changed one.
      const first = displacedDists[0]!;
      plan.displaced.push({ root: first.canonicalName, rootVersion: first.version, dists: displacedDists });
    }
  } else {
    // stable-main: roots that fit main unchanged install there; the others become bubbles.
    const fitting: Requirement[] = [];
    for (const root of mainRoots) {
      if (await fitsMain(ctx, [root])) fitting.push(root);
      else extraRoots.unshift(root);
    }
    plan.main = fitting.length > 0 ? await fitsMain(ctx, fitting) : undefined;
    if (fitting.length > 0 && plan.main === undefined) {
      // Each fits alone but not together: bubble all but the first.
      plan.main = await fitsMain(ctx, [fitting[0]!]);
      extraRoots.push(...fitting.slice(1));
    }
  }
  for (const root of extraRoots) {
    plan.bubbles.push({ root, resolution: await ctx.resolveWith([root]) });
  }
  return plan;
}

async function manifestFor(ctx: Context, pkg: ResolvedPackage<DistCandidate>): Promise<WheelManifest> {
  const c = pkg.candidate as DirectCandidate;
  if (c.localPath) return ctx.source.localWheel(c.localPath);
  if (!c.file) throw new OmnipkgError("NO_FILE", `No file is known for ${pkg.name}==${pkg.version}.`);
  return ctx.source.wheel(c.file);
}

/** The wheel an installed distribution came from: from the store when omnipkg installed it, else the index. */
async function manifestOfInstalled(ctx: Context, dist: InstalledDist): Promise<WheelManifest> {
  if (dist.wheelSha256) {
    const stored = ctx.store.manifest(dist.wheelSha256);
    if (stored) return stored;
  }
  const res = await ctx.resolveWith(
    [(await import("../standards/index.ts")).parseRequirement(`${dist.canonicalName}==${dist.version}`)],
    { preferInstalled: false },
  );
  const pkg = res.packages.get(dist.canonicalName)!;
  return manifestFor(ctx, pkg);
}

/** A yanked release is only chosen when pinned; say so once for each one that gets installed. */
function warnYanked(ctx: Context, plan: Plan): void {
  const said = new Set<string>();
  for (const res of [plan.main, ...plan.bubbles.map((b) => b.resolution)]) {
    for (const p of res?.packages.values() ?? []) {
      const kept = ctx.installed.get(p.name)?.version === p.version;
      const message = kept ? undefined : yankedWarning(p.candidate);
      if (message && !said.has(message)) ctx.events.warn?.(message);
      if (message) said.add(message);
    }
  }
}

async function runInstall(ctx: Context): Promise<InstallReport> {
  // The link helper thread boots (~25 ms) while the resolver works, not after it.
  if (!ctx.request.dryRun) prestartLinkHelper();
  const started = nowMs();
  const plan = await planInstall(ctx);
  const resolveMs = nowMs() - started;
  const strategy = ctx.request.strategy ?? "stable-main";
  warnYanked(ctx, plan);

  const mainTodo = plan.main
    ? ctx.request.noDeps
      ? [...plan.main.packages.values()].filter((p) => p.direct)
      : [...plan.main.packages.values()]
    : [];
  const mainInstall = mainTodo.filter((p) => {
    const have = ctx.installed.get(p.name);
    return ctx.request.reinstall
      ? p.direct || !have || have.version !== p.version
      : !have || have.version !== p.version;
  });
  // Bubbles are split against main as it will be after this command: a distribution this command
  // also installs into main (same version) is taken from main, not copied into the bubble.
  const mainAfter = new Map([...ctx.installed].map(([n, d]) => [n, d.version]));
  for (const p of mainInstall) mainAfter.set(p.name, p.version);
  const bubblePlans = plan.bubbles.map(({ root, resolution }) => {
    const name = canonicalizeName(root.name);
    const rootPkg = resolution.packages.get(name)!;
    const inBubble = [...resolution.packages.values()].filter((p) => mainAfter.get(p.name) !== p.version);
    const fromMain = [...resolution.packages.values()].filter((p) => mainAfter.get(p.name) === p.version);
    const dir = join(bubblesDir(ctx.target.envDir), bubbleFolderName(name, rootPkg.version));
    return { name, version: rootPkg.version, inBubble, fromMain, dir, existed: existsSync(dir) };
  });
  const resolvedRefs = new Map<string, PackageRef>();
  for (const p of plan.main?.packages.values() ?? [])
    resolvedRefs.set(`${p.name}==${p.version}`, { name: p.name, version: p.version });
  for (const b of plan.bubbles)
    for (const p of b.resolution.packages.values())
      resolvedRefs.set(`${p.name}==${p.version}`, { name: p.name, version: p.version });

  const report: InstallReport = {
    environment: ctx.target.label,
    python: ctx.target.facts.version,
    strategy,
    dryRun: ctx.request.dryRun ?? false,
    resolved: [...resolvedRefs.values()],
    installed: mainInstall.map((p) => ({ name: p.name, version: p.version })),
    removed: mainInstall
      .filter((p) => ctx.installed.has(p.name) && ctx.installed.get(p.name)!.version !== p.version)
      .map((p) => ({ name: ctx.installed.get(p.name)!.name, version: ctx.installed.get(p.name)!.version })),
    bubbles: bubblePlans.map((b) => ({
      name: b.name,
      version: b.version,
      path: b.dir,
      dists: b.inBubble.map((p) => ({ name: p.name, version: p.version })),
      existed: b.existed,
    })),
    downloads: 0,
    revision: undefined,
    timings: { resolveMs, prepareMs: 0, installMs: 0 },
  };
  for (const d of plan.displaced) {
    const dir = join(bubblesDir(ctx.target.envDir), bubbleFolderName(d.root, d.rootVersion));
    report.bubbles.push({
      name: d.root,
      version: d.rootVersion,
      path: dir,
      dists: d.dists.map((x) => ({ name: x.name, version: x.version })),
      existed: existsSync(dir),
    });
  }
  if (report.dryRun) return report;

  // Prepare: every wheel into the store (downloads in parallel, bounded by the client's own cap).
  const prepStart = nowMs();
  const limit = pLimit(8);
  const mainManifests = await Promise.all(mainInstall.map((p) => limit(() => manifestFor(ctx, p))));
  const bubbleManifests = await Promise.all(
    bubblePlans.map((b) =>
      b.existed ? Promise.resolve([]) : Promise.all(b.inBubble.map((p) => limit(() => manifestFor(ctx, p)))),
    ),
  );
  const displacedManifests = await Promise.all(
    plan.displaced.map((d) =>
      Promise.all(d.dists.map((dist) => limit(() => manifestOfInstalled(ctx, dist)))),
    ),
  );
  report.timings.prepareMs = nowMs() - prepStart;
  report.downloads = ctx.source.downloads;

  // Known to the knowledge base before anything changes on disk, so recording cannot fail after.
  await ensureEnvironmentRecorded(ctx);
  const installStart = nowMs();
  const linker = createLinker(ctx.events.warn ? { warn: ctx.events.warn } : {});
  const added: RevisionItem[] = [];
  const changed: RevisionItem[] = [];
  const movedIntoBubble: RevisionItem[] = [];
  // Bubbles first: if anything fails after this, main is still untouched.
  for (const [i, b] of bubblePlans.entries()) {
    if (b.existed) continue;
    createBubble(
      ctx.store,
      ctx.target.scheme,
      {
        name: b.name,
        version: b.version,
        inBubble: bubbleManifests[i]!,
        fromMain: b.fromMain.map((p) => {
          const have = ctx.installed.get(p.name);
          if (have?.version === p.version) return { name: have.name, version: p.version };
          return {
            name: p.name,
            version: p.version,
            manifest: mainManifests[mainInstall.findIndex((q) => q.name === p.name)],
          };
        }),
      },
      { linker },
    );
    for (const m of bubbleManifests[i]!) {
      movedIntoBubble.push({
        name: m.name,
        version: m.version,
        wheelSha256: m.sha256,
        bubble: bubbleFolderName(b.name, b.version),
      });
    }
  }
  for (const [i, d] of plan.displaced.entries()) {
    const folder = bubbleFolderName(d.root, d.rootVersion);
    const existing = listBubbles(ctx.target.envDir).find((b) => b.dir.endsWith(`/${folder}`));
    if (existing) removeBubble(existing.dir);
    const manifests = displacedManifests[i]!;
    const untouched = [...ctx.installed.values()].filter((x) => !d.dists.includes(x));
    createBubble(
      ctx.store,
      ctx.target.scheme,
      {
        name: d.root,
        version: d.rootVersion,
        inBubble: manifests,
        fromMain: untouched.map((x) => ({ name: x.name, version: x.version })),
      },
      { linker },
    );
    for (const m of manifests)
      movedIntoBubble.push({ name: m.name, version: m.version, wheelSha256: m.sha256, bubble: folder });
  }
  // Bubbles are only usable through the runtime loader: make sure this environment has it.
  if (
    report.bubbles.some((b) => !b.existed) &&
    !existsSync(join(ctx.target.scheme.purelib, "omnipkg", "__init__.py"))
  ) {
    const { installRuntime } = await import("../python/index.ts");
    installRuntime(ctx.target.envDir);
  }
  if (mainManifests.length > 0) {
    const requestedNames = new Set(rootsOf(ctx).map((r) => canonicalizeName(r.name)));
    try {
      installWheels(
        ctx.store,
        ctx.target.scheme,
        mainManifests.map((manifest, i) => {
          const pkg = mainInstall[i]!;
          const direct = ctx.direct.get(pkg.name);
          return {
            manifest,
            requested: requestedNames.has(pkg.name),
            ...(direct && pkg.candidate.url ? { directUrl: directUrlRecord(direct, manifest.sha256) } : {}),
          };
        }),
        { linker, ...(ctx.events.warn ? { warn: ctx.events.warn } : {}) },
      );
    } catch (error) {
      // Main is as it was; bubbles made by this command may take from main what it did not get.
      for (const b of bubblePlans) if (!b.existed && existsSync(b.dir)) removeBubble(b.dir);
      throw error;
    }
    for (const [i, m] of mainManifests.entries())
      addPutItem(m, ctx.installed.get(mainInstall[i]!.name), { added, changed });
  }
  report.timings.installMs = nowMs() - installStart;

  if (ctx.request.compile && mainManifests.length > 0) compileInstalled(ctx, mainManifests);

  // Record: the environment, its distributions, store references and one revision.
  const kb = ctx.kb;
  const manifests = [...mainManifests, ...bubbleManifests.flat(), ...displacedManifests.flat()];
  await recordStoreRefs(kb, manifests);
  for (const [i, b] of bubblePlans.entries()) {
    if (b.existed) continue;
    const folder = bubbleFolderName(b.name, b.version);
    await recordBubble(kb, ctx.target, { folder, name: b.name, version: b.version }, bubbleManifests[i]!);
  }
  // latest-active: the bubbles holding the displaced versions are environments of the KB too.
  for (const [i, d] of plan.displaced.entries()) {
    const folder = bubbleFolderName(d.root, d.rootVersion);
    await kb.removeEnvironment(`${ctx.target.envId}#${folder}`);
    await recordBubble(
      kb,
      ctx.target,
      { folder, name: d.root, version: d.rootVersion },
      displacedManifests[i]!,
    );
  }
  const requestedNames = new Set(rootsOf(ctx).map((r) => canonicalizeName(r.name)));
  if (added.length + changed.length + movedIntoBubble.length > 0) {
    report.revision = await kb.applyChange({
      envId: ctx.target.envId,
      put: mainManifests.map((m) => toKbDist(m, requestedNames.has(canonicalizeName(m.name)))),
      revision: {
        command: ctx.request.command,
        added,
        changed,
        movedIntoBubble,
        state: readEnvState(ctx.target.scheme),
      },
    });
  }
  return report;
}

function compileInstalled(ctx: Context, manifests: WheelManifest[]): void {
  const files = manifests
    .flatMap((m) => m.files.map((f) => f.path))
    .filter((p) => p.endsWith(".py") && !p.includes(".data/"))
    .map((p) => join(ctx.target.scheme.purelib, p));
  if (files.length === 0) return;
  // PYTHONDONTWRITEBYTECODE only stops implicit writes; compileall writes regardless.
  childProcess().spawnSync(ctx.target.scheme.python, ["-m", "compileall", "-q", "-i", "-"], {
    input: files.join("\n"),
    stdio: ["pipe", "ignore", "inherit"],
  });
}

function removeOwnStoreTemps(storeDir: string): void {
  const tmp = join(storeDir, "tmp");
  if (!existsSync(tmp)) return;
  for (const name of readdirSync(tmp))
    if (name.startsWith(`${process.pid}-`)) rmSync(join(tmp, name), { force: true });
}
