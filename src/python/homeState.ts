import { accessSync, constants, mkdirSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { acquireLock, pidAlive } from "../core/lock.ts";
import { readConfig, writeConfig, type OmnipkgConfig } from "../core/config.ts";
import { errnoCode, isOmnipkgError } from "../core/errors.ts";
import type { HomeLayout } from "../core/home.ts";
import { symlinkAtomic } from "../core/atomicFs.ts";
import { HomeNotWritable } from "./errors.ts";

/**
 * The two pieces of state a swap changes are the `active` symlink and `active_python` in the config.
 * They cannot change in one rename, so one is the commit point: the symlink, because it is what
 * every shell actually runs. A swap renames the link first and then rewrites the config; a swap
 * killed between the two leaves the link new and the config old, and the next command holding the
 * home lock copies the link's answer into the config (`reconcileActive`). Readers always report the
 * link. Twenty concurrent swaps serialize on the home lock, so the last one writes both.
 */

const WRITE_DENIED = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR"]);

/** Turn "cannot write here" errno failures into one clear error naming the home. */
export function mapWriteError(layout: HomeLayout, error: unknown): unknown {
  if (isOmnipkgError(error)) return error;
  const code = errnoCode(error);
  if (code && WRITE_DENIED.has(code)) return new HomeNotWritable(layout.root, code);
  return error;
}

/** Id of the environment the `active` link points at (`envs/<id>`), or undefined. */
export function readActiveId(layout: HomeLayout): string | undefined {
  try {
    const target = readlinkSync(layout.activeLink);
    return basename(dirname(target)) === "envs" ? basename(target) : undefined;
  } catch {
    return undefined;
  }
}

/** Point `active` at envs/<id>. Relative, so the home can be moved as a whole. */
export function pointActiveLink(layout: HomeLayout, id: string, options: { syncDir?: boolean } = {}): void {
  symlinkAtomic(join("envs", id), layout.activeLink, options);
}

/** Whether the process that named a temp file (`.<name>.<pid>.<random>.tmp`, atomicFs) has exited. */
function writerExited(name: string): boolean {
  const pid = Number(/\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  return !pidAlive(pid);
}

/**
 * Remove temp links left by a swap killed between symlink() and rename(), and temp configs left by
 * a process killed while writing the config. Every link swap holds the home lock, so any `.active`
 * temp is stale; a config temp is removed only when its writer is gone, because not every config
 * write holds this lock.
 */
function removeStaleTemps(layout: HomeLayout): void {
  let names: string[];
  try {
    names = readdirSync(layout.root);
  } catch {
    return;
  }
  const configTemp = `.${basename(layout.configFile)}.`;
  for (const name of names) {
    if (!name.endsWith(".tmp")) continue;
    if (name.startsWith(".active.") || (name.startsWith(configTemp) && writerExited(name)))
      rmSync(join(layout.root, name), { force: true });
  }
}

/** Make config and link agree after an interrupted swap. Caller holds the home lock. */
export function reconcileActive(layout: HomeLayout, config: OmnipkgConfig): OmnipkgConfig {
  removeStaleTemps(layout);
  const linkId = readActiveId(layout);
  if (linkId !== undefined && linkId in config.interpreters) {
    if (config.activePython !== linkId) {
      config.activePython = linkId;
      writeConfig(layout.configFile, config);
    }
  } else if (config.activePython !== undefined) {
    pointActiveLink(layout, config.activePython);
  }
  return config;
}

export interface LockedHome {
  layout: HomeLayout;
  config: OmnipkgConfig;
  save(config: OmnipkgConfig): void;
}

/**
 * Run `fn` holding the home lock, with a config read (and reconciled) under that lock. A corrupt
 * config throws before anything is written.
 */
export async function withHomeLock<T>(
  layout: HomeLayout,
  fn: (home: LockedHome) => Promise<T> | T,
): Promise<T> {
  let handle: { release(): void } | undefined;
  try {
    mkdirSync(layout.root, { recursive: true });
    handle = acquireLock(join(layout.locksDir, "home.lock"), {
      onWait: (pid) =>
        process.stderr.write(
          `Waiting for another omnipkg process${pid ? ` (pid ${pid})` : ""} to finish...\n`,
        ),
    });
  } catch (error) {
    throw mapWriteError(layout, error);
  }
  try {
    const config = reconcileActive(layout, readConfig(layout.configFile));
    return await fn({ layout, config, save: (next) => writeConfig(layout.configFile, next) });
  } catch (error) {
    throw mapWriteError(layout, error);
  } finally {
    handle.release();
  }
}

/** Fail early, with one clear sentence, before opening anything in a home we cannot write. */
export function ensureHomeWritable(layout: HomeLayout): void {
  try {
    mkdirSync(layout.root, { recursive: true });
    accessSync(layout.root, constants.W_OK);
  } catch (error) {
    throw mapWriteError(layout, error);
  }
}
