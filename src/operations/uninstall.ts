import { withLockedTarget } from "./lockedTarget.ts";
import { nowMs } from "../core/clock.ts";
import { OmnipkgError } from "../core/errors.ts";
import { homeLayout } from "../core/home.ts";
import { listInstalled, uninstall } from "../install/index.ts";
import { canonicalizeName, normalizeVersion } from "../standards/index.ts";
import { bubbleFolderName, listBubbles } from "../bubbles/bubbleManifest.ts";
import { removeBubble } from "../bubbles/writeBubble.ts";
import { type TargetOptions } from "./target.ts";
import { ensureEnvironmentRecorded } from "./kbRecords.ts";
import type { PackageRef } from "./install.ts";
import { readEnvState } from "./envState.ts";

/**
 * `omnipkg uninstall NAME` removes a distribution from main (through its RECORD, so pip's installs
 * too); `omnipkg uninstall NAME==VERSION` removes the bubble of that version, or main's copy when
 * main has exactly that version. Every name is checked before anything is removed: a typo in the
 * third name leaves the first two installed.
 */
export interface UninstallRequest {
  names: string[];
  target: TargetOptions;
  command: string;
}

export interface UninstallReport {
  removed: PackageRef[];
  bubblesRemoved: (PackageRef & { path: string })[];
  revision: number | undefined;
  ms: number;
}

export class NotInstalled extends OmnipkgError {
  constructor(what: string, where: string) {
    super("NOT_INSTALLED", `${what} is not installed in ${where}.`, {
      hint: "See what is installed with `omnipkg list`.",
    });
  }
}

export async function uninstallPackages(request: UninstallRequest): Promise<UninstallReport> {
  const started = nowMs();
  const layout = homeLayout();
  return withLockedTarget(layout, request.target, undefined, async (kb, target) => {
    const installed = listInstalled(target.scheme);
    const bubbles = listBubbles(target.envDir);
    const mainNames: string[] = [];
    const bubbleDirs: { dir: string; name: string; version: string }[] = [];
    for (const word of request.names) {
      const [rawName, rawVersion] = word.split("==");
      const name = canonicalizeName(rawName!.trim());
      if (rawVersion === undefined) {
        if (!installed.some((d) => d.canonicalName === name))
          throw new NotInstalled(`'${rawName}'`, target.label);
        mainNames.push(name);
        continue;
      }
      const version = normalizeVersion(rawVersion.trim());
      const bubble = bubbles.find((b) => b.dir.endsWith(`/${bubbleFolderName(name, version)}`));
      if (bubble) {
        bubbleDirs.push({ dir: bubble.dir, name: bubble.manifest.name, version: bubble.manifest.version });
      } else if (installed.some((d) => d.canonicalName === name && normalizeVersion(d.version) === version)) {
        mainNames.push(name);
      } else {
        throw new NotInstalled(`'${rawName}==${rawVersion}'`, target.label);
      }
    }
    const report: UninstallReport = { removed: [], bubblesRemoved: [], revision: undefined, ms: 0 };
    for (const b of bubbleDirs) {
      removeBubble(b.dir);
      report.bubblesRemoved.push({ name: b.name, version: b.version, path: b.dir });
      await kb.removeEnvironment(`${target.envId}#${bubbleFolderName(canonicalizeName(b.name), b.version)}`);
    }
    if (mainNames.length > 0) report.removed = uninstall(target.scheme, mainNames).removed;
    await ensureEnvironmentRecorded({ kb, target });
    report.revision = await kb.applyChange({
      envId: target.envId,
      remove: report.removed.map((r) => canonicalizeName(r.name)),
      revision: {
        command: request.command,
        removed: [
          ...report.removed,
          ...report.bubblesRemoved.map((b) => ({
            name: b.name,
            version: b.version,
            bubble: bubbleFolderName(canonicalizeName(b.name), b.version),
          })),
        ],
        state: readEnvState(target.scheme),
      },
    });
    report.ms = nowMs() - started;
    return report;
  });
}
