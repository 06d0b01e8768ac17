import { createHash } from "node:crypto";
import { join } from "node:path";
import type { HomeLayout } from "../core/home.ts";
import { acquireLock } from "../core/lock.ts";
import { openKnowledgeBase, type KnowledgeBase } from "../kb/index.ts";
import { resolveTarget, type EnvTarget, type TargetOptions } from "./target.ts";

/** The lock file of one environment: commands changing it take it, commands on others do not wait. */
export function envLockPath(layout: HomeLayout, envId: string): string {
  return join(layout.locksDir, `env-${createHash("sha256").update(envId).digest("hex").slice(0, 16)}.lock`);
}

/**
 * The frame of every command that changes an environment (install, uninstall, revert, package
 * swap, prune): open the knowledge base, find the target environment, hold its lock while `fn`
 * runs, then release the lock and close the knowledge base whatever happened.
 */
export async function withLockedTarget<T>(
  layout: HomeLayout,
  targetOptions: TargetOptions,
  onLockWait: ((ownerPid: number | undefined) => void) | undefined,
  fn: (kb: KnowledgeBase, target: EnvTarget) => Promise<T>,
): Promise<T> {
  const kb = await openKnowledgeBase(layout);
  try {
    const target = await resolveTarget(layout, targetOptions, kb);
    const lock = acquireLock(envLockPath(layout, target.envId), onLockWait ? { onWait: onLockWait } : {});
    try {
      return await fn(kb, target);
    } finally {
      lock.release();
    }
  } finally {
    await kb.close();
  }
}
