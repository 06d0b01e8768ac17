import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { listDistsIn, listInstalled, type InstalledDist } from "../install/index.ts";
import type { DistributionSummary, KnowledgeBase } from "../kb/index.ts";
import { listBubbles } from "../bubbles/bubbleManifest.ts";
import { hexFromRecordHash, parseRecord } from "../store/index.ts";
import type { EnvTarget } from "./target.ts";

/**
 * Drift: what changed in an environment behind omnipkg's back (`pip install`, a deleted folder, an
 * edited file). The knowledge base says what omnipkg put there; the dist-info folders say what is
 * there now. Only distributions omnipkg installed have their files hashed against RECORD: a pip
 * install's RECORD is pip's business, and hashing everything would make `status` slow on big envs.
 */
export interface DriftDist {
  name: string;
  version: string;
}

export interface DriftReport {
  /** False when the KB has no record of this environment at all (it was never managed). */
  known: boolean;
  added: DriftDist[];
  removed: DriftDist[];
  changed: (DriftDist & { recordedVersion: string })[];
  /** Files of omnipkg-installed distributions that differ from their RECORD or are gone. */
  files: { dist: string; path: string; problem: "modified" | "missing" }[];
  bubblesAdded: string[];
  bubblesRemoved: string[];
  /** Present, but installed by another tool (pip, uv): omnipkg does not vouch for their files. */
  notInstalledByOmnipkg: (DriftDist & { installer: string })[];
  hashedFiles: number;
  clean: boolean;
}

function sha256File(path: string): string | undefined {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex");
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
    throw error;
  }
}

/** RECORD rows with a hash, checked against the files; paths are relative to the site folder. */
export function checkRecord(dist: InstalledDist, envDir: string, out: DriftReport["files"]): number {
  let text: string;
  try {
    text = readFileSync(resolve(dist.distInfo, "RECORD"), "utf8");
  } catch {
    out.push({ dist: dist.canonicalName, path: `${basename(dist.distInfo)}/RECORD`, problem: "missing" });
    return 0;
  }
  const site = dirname(dist.distInfo);
  let hashed = 0;
  for (const row of parseRecord(text)) {
    const hex = row.hash ? hexFromRecordHash(row.hash) : undefined;
    if (!hex) continue;
    const path = resolve(site, row.path);
    const inEnv = relative(envDir, path);
    // A RECORD is data: never read outside the environment whatever it says.
    if (inEnv.startsWith("..") || isAbsolute(inEnv)) continue;
    hashed += 1;
    const actual = sha256File(path);
    if (actual !== hex)
      out.push({
        dist: dist.canonicalName,
        path: inEnv.split(sep).join("/"),
        problem: actual ? "modified" : "missing",
      });
  }
  return hashed;
}

export async function detectDrift(
  kb: KnowledgeBase,
  target: Pick<EnvTarget, "envId" | "envDir" | "scheme">,
  options: { hashFiles?: boolean } = {},
): Promise<DriftReport> {
  const hashFiles = options.hashFiles ?? true;
  const known = (await kb.getEnvironment(target.envId)) !== undefined;
  const recorded = known ? await kb.listDistributions(target.envId) : [];
  const byName = new Map<string, DistributionSummary>(recorded.map((d) => [d.name, d]));
  const onDisk = listInstalled(target.scheme);
  const report: DriftReport = {
    known,
    added: [],
    removed: [],
    changed: [],
    files: [],
    bubblesAdded: [],
    bubblesRemoved: [],
    notInstalledByOmnipkg: [],
    hashedFiles: 0,
    clean: true,
  };
  const seen = new Set<string>();
  for (const dist of onDisk) {
    seen.add(dist.canonicalName);
    const rec = byName.get(dist.canonicalName);
    if (dist.installer !== "omnipkg")
      report.notInstalledByOmnipkg.push({
        name: dist.canonicalName,
        version: dist.version,
        installer: dist.installer ?? "unknown",
      });
    if (!known) continue;
    if (!rec) report.added.push({ name: dist.canonicalName, version: dist.version });
    else if (
      rec.version !== dist.version ||
      (rec.wheelSha256 && dist.wheelSha256 && rec.wheelSha256 !== dist.wheelSha256)
    )
      report.changed.push({ name: dist.canonicalName, version: dist.version, recordedVersion: rec.version });
    else if (hashFiles && rec.installer === "omnipkg" && dist.installer === "omnipkg")
      report.hashedFiles += checkRecord(dist, target.envDir, report.files);
  }
  for (const rec of recorded)
    if (!seen.has(rec.name)) report.removed.push({ name: rec.name, version: rec.version });

  const bubbles = listBubbles(target.envDir);
  if (known) {
    const recordedBubbles = new Set(
      (await kb.listEnvironments({ parentId: target.envId })).map((e) => e.id.slice(target.envId.length + 1)),
    );
    const diskBubbles = new Set(bubbles.map((b) => basename(b.dir)));
    report.bubblesAdded = [...diskBubbles].filter((b) => !recordedBubbles.has(b));
    report.bubblesRemoved = [...recordedBubbles].filter((b) => !diskBubbles.has(b));
  }
  if (hashFiles) {
    for (const b of bubbles)
      for (const dist of listDistsIn(b.dir))
        if (dist.installer === "omnipkg")
          report.hashedFiles += checkRecord(dist, target.envDir, report.files);
  }
  report.clean =
    report.added.length +
      report.removed.length +
      report.changed.length +
      report.files.length +
      report.bubblesAdded.length +
      report.bubblesRemoved.length ===
    0;
  return report;
}

/** One line per finding, for `status` and `doctor`. */
export function describeDrift(drift: DriftReport): string[] {
  const lines: string[] = [];
  for (const d of drift.added) lines.push(`${d.name} ${d.version} was installed outside omnipkg`);
  for (const d of drift.removed) lines.push(`${d.name} ${d.version} was removed outside omnipkg`);
  for (const d of drift.changed)
    lines.push(`${d.name} changed outside omnipkg: ${d.recordedVersion} -> ${d.version}`);
  for (const f of drift.files)
    lines.push(
      `${f.path} (${f.dist}) is ${f.problem === "missing" ? "missing" : "modified: its hash no longer matches RECORD"}`,
    );
  for (const b of drift.bubblesAdded) lines.push(`bubble ${b} is not known to omnipkg`);
  for (const b of drift.bubblesRemoved) lines.push(`bubble ${b} was removed outside omnipkg`);
  return lines;
}
