import { withLockedTarget } from "./lockedTarget.ts";
import { OmnipkgError } from "../core/errors.ts";
import { homeLayout } from "../core/home.ts";
import type { IndexFlags } from "../index/index.ts";
import { installWheels, listInstalled, recoverEnv, uninstall } from "../install/index.ts";
import { type BubbleState, type KnowledgeBase, type RevisionItem, type StateDist } from "../kb/index.ts";
import { createBubble, removeBubble } from "../bubbles/writeBubble.ts";
import { bubblesDir } from "../bubbles/bubbleManifest.ts";
import { createLinker, createStore, type Store, type WheelManifest } from "../store/index.ts";
import { join } from "node:path";
import { bubbleKey, readEnvState } from "./envState.ts";
import { fetchPinnedWheels, isOffline, RevertNeedsDownload } from "./fetchPinned.ts";
import type { PackageRef } from "./install.ts";
import {
  addPutItem,
  ensureEnvironmentRecorded,
  recordBubble,
  recordStoreRefs,
  toKbDist,
} from "./kbRecords.ts";
import { stateAfter } from "./revertState.ts";
import { type EnvTarget, type TargetOptions } from "./target.ts";
import type { OperationEvents } from "./events.ts";

/**
 * `omnipkg revert [--to N]`: put main and the bubbles back as they were after revision N, from the
 * store's wheels. Everything that could fail before a change is done first (the target state, every
 * wheel in the store or fetched into it), so a revert that cannot finish changes nothing. The revert
 * is recorded as a revision of its own, so it can be reverted too.
 */
export interface RevertRequest {
  target: TargetOptions;
  /** Defaults to the revision before the latest. */
  to?: number;
  dryRun?: boolean;
  indexFlags?: IndexFlags;
  command: string;
}

export type RevertEvents = OperationEvents;

export interface RevertReport {
  environment: string;
  from: number;
  to: number;
  dryRun: boolean;
  installed: (PackageRef & { fromVersion?: string })[];
  removed: PackageRef[];
  bubblesCreated: PackageRef[];
  bubblesRemoved: PackageRef[];
  /** Wheels that were not in the store and came from the index. */
  fetched: PackageRef[];
  revision: number | undefined;
}

export class NoHistory extends OmnipkgError {
  constructor(where: string) {
    super("NO_HISTORY", `${where} has no recorded revisions to revert to.`, {
      hint: "omnipkg records a revision for every install and uninstall; see them with `omnipkg history`.",
    });
  }
}

export class BadRevision extends OmnipkgError {
  constructor(to: number, latest: number) {
    super("BAD_REVISION", `There is no revision ${to} to revert to; revisions go from 0 to ${latest}.`, {
      hint: "See them with `omnipkg history`; 0 is the state before the first one.",
      exitCode: 2,
    });
  }
}

interface Plan {
  puts: StateDist[];
  removes: StateDist[];
  createBubbles: BubbleState[];
  removeBubbles: BubbleState[];
}

function planRevert(current: ReturnType<typeof readEnvState>, target: ReturnType<typeof readEnvState>): Plan {
  const have = new Map(current.main.map((d) => [d.name, d]));
  const want = new Map(target.main.map((d) => [d.name, d]));
  const haveBubbles = new Map(current.bubbles.map((b) => [b.folder, b]));
  const wantBubbles = new Map(target.bubbles.map((b) => [b.folder, b]));
  return {
    puts: target.main.filter((d) => {
      const c = have.get(d.name);
      return (
        !c ||
        c.version !== d.version ||
        (!!d.wheelSha256 && !!c.wheelSha256 && c.wheelSha256 !== d.wheelSha256)
      );
    }),
    removes: current.main.filter((d) => !want.has(d.name)),
    createBubbles: target.bubbles.filter(
      (b) =>
        haveBubbles.get(b.folder) === undefined || bubbleKey(haveBubbles.get(b.folder)!) !== bubbleKey(b),
    ),
    removeBubbles: current.bubbles.filter((b) => !wantBubbles.has(b.folder)),
  };
}

/** Every wheel the plan installs, from the store or else from the index; throws before any change. */
async function gatherWheels(
  plan: Plan,
  ctx: { layout: ReturnType<typeof homeLayout>; kb: KnowledgeBase; store: Store; target: EnvTarget },
  request: RevertRequest,
  events: RevertEvents,
): Promise<{ manifests: Map<string, WheelManifest>; fetched: PackageRef[] }> {
  const needed = [
    ...plan.puts,
    ...plan.createBubbles.flatMap((b) => b.dists.filter((d) => d.location === "bubble")),
  ];
  const manifests = new Map<string, WheelManifest>();
  const missing = new Map<string, PackageRef>();
  for (const d of needed) {
    const key = `${d.name}==${d.version}`;
    const stored = d.wheelSha256 ? ctx.store.manifest(d.wheelSha256) : undefined;
    if (stored) manifests.set(key, stored);
    else missing.set(key, { name: d.name, version: d.version });
  }
  const pins = [...missing.values()];
  if (pins.length > 0 && isOffline(ctx.layout, request.indexFlags ?? {}))
    throw new RevertNeedsDownload(pins, "omnipkg is offline");
  if (pins.length > 0 && !request.dryRun) {
    const fetched = await fetchPinnedWheels(pins, {
      layout: ctx.layout,
      kb: ctx.kb,
      store: ctx.store,
      facts: ctx.target.facts,
      indexFlags: request.indexFlags ?? {},
      onFetch: (p) => events.info?.(`fetching ${p.name}==${p.version} from the index (not in the store)`),
    });
    for (const [key, m] of fetched) manifests.set(key, m);
  }
  return { manifests, fetched: pins };
}

export async function revertEnvironment(
  request: RevertRequest,
  events: RevertEvents = {},
): Promise<RevertReport> {
  const layout = homeLayout();
  return withLockedTarget(layout, request.target, events.onLockWait, async (kb, target) => {
    return await runRevert({ layout, kb, target, store: createStore(layout.storeDir) }, request, events);
  });
}

async function runRevert(
  ctx: { layout: ReturnType<typeof homeLayout>; kb: KnowledgeBase; store: Store; target: EnvTarget },
  request: RevertRequest,
  events: RevertEvents,
): Promise<RevertReport> {
  const { kb, target, store } = ctx;
  const revisions = await kb.listRevisions(target.envId);
  if (revisions.length === 0) throw new NoHistory(target.label);
  const latest = revisions[0]!.number;
  const to = request.to ?? latest - 1;
  if (!Number.isInteger(to) || to < 0 || to > latest) throw new BadRevision(to, latest);
  if (!request.dryRun) recoverEnv(target.scheme);
  const current = readEnvState(target.scheme);
  const plan = planRevert(current, stateAfter(to, revisions, current));
  const { manifests, fetched } = await gatherWheels(plan, ctx, request, events);
  const have = new Map(current.main.map((d) => [d.name, d]));
  const report: RevertReport = {
    environment: target.label,
    from: latest,
    to,
    dryRun: request.dryRun ?? false,
    installed: plan.puts.map((d) => ({
      name: d.name,
      version: d.version,
      ...(have.get(d.name) ? { fromVersion: have.get(d.name)!.version } : {}),
    })),
    removed: plan.removes.map((d) => ({ name: d.name, version: d.version })),
    bubblesCreated: plan.createBubbles.map((b) => ({ name: b.name, version: b.version })),
    bubblesRemoved: plan.removeBubbles.map((b) => ({ name: b.name, version: b.version })),
    fetched,
    revision: undefined,
  };
  const nothing =
    plan.puts.length + plan.removes.length + plan.createBubbles.length + plan.removeBubbles.length === 0;
  if (report.dryRun || nothing) return report;

  // Known to the KB before the disk changes, so recording cannot fail for want of a parent.
  await ensureEnvironmentRecorded(ctx);
  const linker = createLinker(events.warn ? { warn: events.warn } : {});
  const manifestOf = (d: StateDist): WheelManifest => manifests.get(`${d.name}==${d.version}`)!;
  const movedIntoBubble: RevisionItem[] = [];
  const removedItems: RevisionItem[] = [];
  for (const b of plan.createBubbles) {
    const inBubble = b.dists.filter((d) => d.location === "bubble").map(manifestOf);
    createBubble(
      store,
      target.scheme,
      {
        name: b.name,
        version: b.version,
        inBubble,
        fromMain: b.dists
          .filter((d) => d.location === "main")
          .map((d) => ({ name: d.name, version: d.version, topLevel: d.topLevel })),
      },
      { linker, replace: true },
    );
    for (const m of inBubble)
      movedIntoBubble.push({ name: m.name, version: m.version, wheelSha256: m.sha256, bubble: b.folder });
  }
  for (const b of plan.removeBubbles) {
    removeBubble(join(bubblesDir(target.envDir), b.folder));
    removedItems.push({ name: b.name, version: b.version, bubble: b.folder });
  }
  const requested = new Map(listInstalled(target.scheme).map((d) => [d.canonicalName, d.requested]));
  if (plan.removes.length > 0)
    uninstall(
      target.scheme,
      plan.removes.map((d) => d.name),
    );
  const putManifests = plan.puts.map(manifestOf);
  if (putManifests.length > 0) {
    installWheels(
      store,
      target.scheme,
      putManifests.map((manifest, i) => ({
        manifest,
        requested: requested.get(plan.puts[i]!.name) ?? false,
      })),
      { linker, ...(events.warn ? { warn: events.warn } : {}) },
    );
  }

  // Record: store references, the bubbles as KB environments, main's distributions, one revision.
  await recordStoreRefs(kb, [...manifests.values()]);
  for (const b of [...plan.removeBubbles, ...plan.createBubbles])
    await kb.removeEnvironment(`${target.envId}#${b.folder}`);
  for (const b of plan.createBubbles)
    await recordBubble(kb, target, b, b.dists.filter((d) => d.location === "bubble").map(manifestOf));
  const added: RevisionItem[] = [];
  const changed: RevisionItem[] = [];
  for (const [i, d] of plan.puts.entries())
    addPutItem(putManifests[i]!, have.get(d.name), { added, changed });
  for (const d of plan.removes)
    removedItems.push({
      name: d.name,
      version: d.version,
      ...(d.wheelSha256 ? { wheelSha256: d.wheelSha256 } : {}),
    });
  report.revision = await kb.applyChange({
    envId: target.envId,
    put: putManifests.map((m, i) => toKbDist(m, requested.get(plan.puts[i]!.name) ?? false)),
    remove: plan.removes.map((d) => d.name).filter((n) => !plan.puts.some((p) => p.name === n)),
    revision: {
      command: request.command,
      added,
      changed,
      removed: removedItems,
      movedIntoBubble,
      state: readEnvState(target.scheme),
    },
  });
  return report;
}
