import { existsSync, lstatSync, readdirSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { isOmnipkgError, type OmnipkgError } from "../core/errors.ts";
import type { HomeLayout } from "../core/home.ts";
import { listInstalled, schemeForEnv } from "../install/index.ts";
import { KbCorrupt, openKnowledgeBase, type KnowledgeBase } from "../kb/index.ts";
import { listBubbles } from "../bubbles/bubbleManifest.ts";
import { createStore } from "../store/index.ts";
import { describeDrift, detectDrift, type DriftReport } from "./drift.ts";

/**
 * The per-environment part of `omnipkg status` and the store/KB/drift part of `omnipkg doctor`.
 * Bytes, not file counts: logical bytes sum every path, bytes on disk count each inode once, and
 * bytes saved are the sizes of files that share their inode with the store (nlink > 1), which a
 * copying installer would have written again.
 */
export interface ByteTotals {
  logicalBytes: number;
  diskBytes: number;
  dedupSavedBytes: number;
}

export interface EnvStatus extends ByteTotals {
  envId: string;
  path: string;
  packages: number;
  bubbles: number;
  drift: DriftReport;
}

/**
 * Regular files under `dirs`, symlinks never followed (a venv's bin/python points outside it); a
 * file hard-linked into several of them counts once on disk.
 */
export function measureBytes(...dirs: string[]): ByteTotals {
  const inodes = new Map<string, { size: number; nlink: number }>();
  let logicalBytes = 0;
  const walk = (path: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(path);
    } catch {
      return;
    }
    for (const name of entries) {
      const child = join(path, name);
      let st;
      try {
        st = lstatSync(child, { bigint: false });
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(child);
      else if (st.isFile()) {
        logicalBytes += st.size;
        inodes.set(`${st.dev}:${st.ino}`, { size: st.size, nlink: st.nlink });
      }
    }
  };
  for (const dir of dirs) walk(dir);
  let diskBytes = 0;
  let dedupSavedBytes = 0;
  for (const i of inodes.values()) {
    diskBytes += i.size;
    if (i.nlink > 1) dedupSavedBytes += i.size;
  }
  return { logicalBytes, diskBytes, dedupSavedBytes };
}

/** Main environments the KB knows, plus extra venv folders (the active one), those still on disk. */
export async function environmentsToReport(
  kb: KnowledgeBase,
  extraDirs: string[] = [],
): Promise<{ envId: string; path: string }[]> {
  const known = (await kb.listEnvironments({ kind: "main" })).map((e) => ({ envId: e.id, path: e.path }));
  const byPath = new Map<string, { envId: string; path: string }>();
  for (const e of known) {
    const real = realDir(e.path);
    if (real && !byPath.has(real)) byPath.set(real, e);
  }
  for (const dir of extraDirs) {
    const real = realDir(resolve(dir));
    if (real && !byPath.has(real)) byPath.set(real, { envId: `venv:${real}`, path: real });
  }
  return [...byPath.values()];
}

function realDir(dir: string): string | undefined {
  try {
    return existsSync(join(dir, "pyvenv.cfg")) ? realpathSync(dir) : undefined;
  } catch {
    return undefined;
  }
}

export async function readEnvStatus(
  kb: KnowledgeBase,
  env: { envId: string; path: string },
  options: { hashFiles?: boolean } = {},
): Promise<EnvStatus> {
  const scheme = schemeForEnv(env.path);
  return {
    envId: env.envId,
    path: env.path,
    packages: listInstalled(scheme).length,
    bubbles: listBubbles(env.path).length,
    ...measureBytes(env.path),
    drift: await detectDrift(kb, { envId: env.envId, envDir: env.path, scheme }, options),
  };
}

/** `omnipkg status`'s environments section: never throws for a KB problem, reports it instead. */
export async function readEnvironmentsStatus(
  layout: HomeLayout,
  extraDirs: string[] = [],
): Promise<{ environments: EnvStatus[]; error?: string }> {
  let kb: KnowledgeBase;
  try {
    kb = await openKnowledgeBase(layout);
  } catch (error) {
    if (!isOmnipkgError(error)) throw error;
    return { environments: [], error: error.message };
  }
  try {
    const envs = await environmentsToReport(kb, extraDirs);
    const environments: EnvStatus[] = [];
    for (const env of envs) environments.push(await readEnvStatus(kb, env));
    return { environments };
  } catch (error) {
    if (!isOmnipkgError(error)) throw error;
    return { environments: [], error: error.message };
  } finally {
    await kb.close();
  }
}

export function formatEnvStatus(s: EnvStatus, formatBytes: (n: number) => string): string[] {
  const lines = [
    `environment:     ${s.path}`,
    `  packages:      ${s.packages} (${s.bubbles} bubble${s.bubbles === 1 ? "" : "s"})`,
    `  bytes:         ${formatBytes(s.logicalBytes)} logical, ${formatBytes(s.diskBytes)} on disk, ${formatBytes(s.dedupSavedBytes)} saved by dedup`,
  ];
  const drift = describeDrift(s.drift);
  if (!s.drift.known) lines.push("  drift:         not recorded by omnipkg (run: omnipkg rebuild-kb)");
  else if (drift.length === 0)
    lines.push(`  drift:         none (${s.drift.hashedFiles} files match RECORD)`);
  else {
    lines.push(`  drift:         ${drift.length} change${drift.length === 1 ? "" : "s"} outside omnipkg:`);
    for (const line of drift) lines.push(`    ${line}`);
  }
  if (s.drift.notInstalledByOmnipkg.length > 0)
    lines.push(
      `  not installed by omnipkg: ${s.drift.notInstalledByOmnipkg.map((d) => `${d.name} ${d.version} (${d.installer})`).join(", ")}`,
    );
  return lines;
}

/** The shape of src/python/doctor.ts's findings, so doctor prints them alike. */
export interface KbFinding {
  check: string;
  ok: boolean;
  level: "error" | "warning";
  message: string;
  fix?: string;
}

/** `omnipkg doctor`: the knowledge base opens, the store verifies, environments have no drift. */
/** A knowledge base that cannot be opened or read: what it said, and the command that repairs it. */
function kbFinding(error: OmnipkgError): KbFinding {
  return {
    check: "knowledge base",
    ok: false,
    level: "error",
    message: error.message,
    fix: error instanceof KbCorrupt ? "omnipkg rebuild-kb" : (error.hint ?? "omnipkg kb status"),
  };
}

export async function diagnoseStoreAndKb(layout: HomeLayout): Promise<KbFinding[]> {
  const findings: KbFinding[] = [];
  const store = createStore(layout.storeDir);
  if (existsSync(layout.storeDir)) {
    const verify = await store.verify();
    findings.push(
      verify.corrupted.length === 0
        ? {
            check: "store",
            ok: true,
            level: "error",
            message: `Store verified: ${verify.checkedWheels} wheels, ${verify.checkedFiles} files.`,
          }
        : {
            check: "store",
            ok: false,
            level: "error",
            message: `${verify.corrupted.length} store entr${verify.corrupted.length === 1 ? "y is" : "ies are"} damaged (first: ${verify.corrupted[0]!.path}: ${verify.corrupted[0]!.detail}).`,
            fix: "omnipkg store verify --json  # then: omnipkg install --reinstall <package> for each affected package",
          },
    );
  }
  let kb: KnowledgeBase;
  try {
    kb = await openKnowledgeBase(layout);
  } catch (error) {
    if (!isOmnipkgError(error)) throw error;
    findings.push(kbFinding(error));
    return findings;
  }
  try {
    const counts = await kb.counts();
    findings.push({
      check: "knowledge base",
      ok: true,
      level: "error",
      message: `Knowledge base (${kb.backend}, ${kb.location}) opens: ${counts.environments} environments, ${counts.revisions} revisions.`,
    });
    for (const env of await environmentsToReport(kb)) {
      const drift = await detectDrift(kb, {
        envId: env.envId,
        envDir: env.path,
        scheme: schemeForEnv(env.path),
      });
      const lines = describeDrift(drift);
      if (lines.length === 0) {
        findings.push({
          check: `drift ${env.path}`,
          ok: true,
          level: "warning",
          message: "No changes outside omnipkg.",
        });
        continue;
      }
      const fixByFiles = drift.files.length > 0 && lines.length === drift.files.length;
      findings.push({
        check: `drift ${env.path}`,
        ok: false,
        level: "warning",
        message: `${lines.length} change${lines.length === 1 ? "" : "s"} outside omnipkg: ${lines.slice(0, 3).join("; ")}${lines.length > 3 ? "; ..." : ""}.`,
        fix: fixByFiles
          ? `omnipkg install --reinstall ${[...new Set(drift.files.map((f) => f.dist))].join(" ")} --env ${env.path}`
          : `omnipkg rebuild-kb  # accept what is on disk; or: omnipkg revert --to <N> --env ${env.path}`,
      });
    }
  } catch (error) {
    if (!isOmnipkgError(error)) throw error;
    findings.push(kbFinding(error));
  } finally {
    await kb.close();
  }
  return findings;
}
