import { withLockedTarget } from "./lockedTarget.ts";
import { nowMs } from "../core/clock.ts";
import { basename } from "node:path";
import { UsageError } from "../core/errors.ts";
import { homeLayout } from "../core/home.ts";
import { listInstalled } from "../install/index.ts";
import { canonicalizeName, compareVersions } from "../standards/index.ts";
import { listBubbles } from "../bubbles/bubbleManifest.ts";
import { removeBubble } from "../bubbles/writeBubble.ts";
import { readEnvState } from "./envState.ts";
import { ensureEnvironmentRecorded } from "./kbRecords.ts";
import { type TargetOptions } from "./target.ts";

/**
 * `omnipkg prune NAME --keep N`: keep the newest N bubbles of one project (PEP 440 order, so
 * 13.10.0 is newer than 13.9.4) and remove the others. Main's version is not a bubble and is never
 * touched. Removal renames each bubble away before deleting it, so a loader never sees half of one.
 */
export interface PruneRequest {
  name: string;
  keep: number;
  target: TargetOptions;
  dryRun?: boolean;
  command: string;
}

export interface PrunedBubble {
  name: string;
  version: string;
  path: string;
}

export interface PruneReport {
  environment: string;
  name: string;
  /** Main's version of the project, if any (never pruned). */
  mainVersion: string | undefined;
  kept: PrunedBubble[];
  removed: PrunedBubble[];
  dryRun: boolean;
  revision: number | undefined;
  ms: number;
}

export async function pruneBubbles(request: PruneRequest): Promise<PruneReport> {
  const started = nowMs();
  if (!Number.isInteger(request.keep) || request.keep < 0) {
    throw new UsageError(`--keep ${request.keep} is not a non-negative whole number.`, {
      hint: "For example: omnipkg prune rich --keep 2",
    });
  }
  const name = canonicalizeName(request.name);
  const layout = homeLayout();
  return withLockedTarget(layout, request.target, undefined, async (kb, target) => {
    const bubbles = listBubbles(target.envDir)
      .filter((b) => canonicalizeName(b.manifest.name) === name)
      .map((b) => ({ name: b.manifest.name, version: b.manifest.version, path: b.dir }))
      .sort((a, b) => compareVersions(b.version, a.version));
    const report: PruneReport = {
      environment: target.label,
      name,
      mainVersion: listInstalled(target.scheme).find((d) => d.canonicalName === name)?.version,
      kept: bubbles.slice(0, request.keep),
      removed: bubbles.slice(request.keep),
      dryRun: request.dryRun ?? false,
      revision: undefined,
      ms: 0,
    };
    if (report.dryRun || report.removed.length === 0) {
      report.ms = nowMs() - started;
      return report;
    }
    for (const b of report.removed) {
      removeBubble(b.path);
      await kb.removeEnvironment(`${target.envId}#${basename(b.path)}`);
    }
    await ensureEnvironmentRecorded({ kb, target });
    report.revision = await kb.applyChange({
      envId: target.envId,
      revision: {
        command: request.command,
        removed: report.removed.map((b) => ({
          name: b.name,
          version: b.version,
          bubble: basename(b.path),
        })),
        state: readEnvState(target.scheme),
      },
    });
    report.ms = nowMs() - started;
    return report;
  });
}
