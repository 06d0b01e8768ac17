import { join } from "node:path";
import { bubblesDir } from "../bubbles/bubbleManifest.ts";
import type { InstalledDistribution, KnowledgeBase, RevisionItem, StoreFileEntry } from "../kb/index.ts";
import { canonicalizeName } from "../standards/index.ts";
import type { WheelManifest } from "../store/index.ts";
import type { EnvTarget } from "./target.ts";

/**
 * What the commands that change environments (install, uninstall, revert, package swap, prune)
 * write into the knowledge base, in one shape for all of them.
 */

/** A distribution omnipkg installed from a stored wheel. The KB keys distributions by canonical name. */
export function toKbDist(manifest: WheelManifest, requested: boolean): InstalledDistribution {
  return {
    name: canonicalizeName(manifest.name),
    version: manifest.version,
    installer: "omnipkg",
    wheelSha256: manifest.sha256,
    requested,
    files: manifest.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
  };
}

/** The revision item of a wheel put into main: `changed` when it replaced `before`, else `added`. */
export function addPutItem(
  manifest: WheelManifest,
  before: { version: string; wheelSha256?: string | null | undefined } | undefined,
  into: { added: RevisionItem[]; changed: RevisionItem[] },
): void {
  const item = { name: manifest.name, version: manifest.version, wheelSha256: manifest.sha256 };
  if (before === undefined) into.added.push(item);
  else
    into.changed.push({
      ...item,
      fromVersion: before.version,
      ...(before.wheelSha256 ? { fromWheelSha256: before.wheelSha256 } : {}),
    });
}

/**
 * A bubble as an environment of the KB, child of the target's main environment, with the
 * distributions it holds itself (its root counts as requested).
 */
export async function recordBubble(
  kb: KnowledgeBase,
  target: EnvTarget,
  bubble: { folder: string; name: string; version: string },
  manifests: readonly WheelManifest[],
): Promise<void> {
  const id = `${target.envId}#${bubble.folder}`;
  const root = canonicalizeName(bubble.name);
  await kb.putEnvironment({
    id,
    interpreterId: target.interpreterId ?? target.envId,
    path: join(bubblesDir(target.envDir), bubble.folder),
    kind: "bubble",
    parentId: target.envId,
    name: bubble.name,
    version: bubble.version,
  });
  await kb.applyChange({
    envId: id,
    put: manifests.map((m) => toKbDist(m, canonicalizeName(m.name) === root)),
  });
}

/**
 * Store references (wheel → files) for wheels the knowledge base does not know yet, in one write.
 * A reference is a function of the wheel's hash, so one the KB holds is never rewritten (on a warm
 * install that was a write transaction and a JSON of every file per wheel).
 */
export async function recordStoreRefs(kb: KnowledgeBase, manifests: readonly WheelManifest[]): Promise<void> {
  const known = await kb.knownStoreRefs(manifests.map((m) => m.sha256));
  const refs: { wheelSha256: string; files: StoreFileEntry[] }[] = [];
  for (const m of manifests) {
    if (known.has(m.sha256)) continue;
    known.add(m.sha256);
    refs.push({
      wheelSha256: m.sha256,
      files: m.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, mode: f.mode })),
    });
  }
  await kb.putStoreRefs(refs);
}

/**
 * Every command that changes an environment records it (and its interpreter, which may predate
 * the knowledge base's data model) before touching the disk, so recording cannot fail after.
 */
export async function ensureEnvironmentRecorded(ctx: {
  kb: KnowledgeBase;
  target: EnvTarget;
}): Promise<void> {
  const interpreterId = ctx.target.interpreterId ?? ctx.target.envId;
  if (!(await ctx.kb.getInterpreter(interpreterId))) {
    await ctx.kb.putInterpreter({
      id: interpreterId,
      path: ctx.target.facts.real_executable,
      version: ctx.target.facts.version,
      facts: ctx.target.facts,
    });
  }
  await ctx.kb.putEnvironment({
    id: ctx.target.envId,
    interpreterId,
    path: ctx.target.envDir,
    kind: "main",
    parentId: null,
    name: null,
    version: null,
  });
}
