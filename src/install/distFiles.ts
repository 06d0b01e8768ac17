import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { parseRecord } from "../store/index.ts";
import { missingRecord, unsafeRecord } from "./errors.ts";
import type { InstalledDist } from "./distInfo.ts";
import type { InstallScheme } from "./scheme.ts";

/**
 * The files an installed distribution owns, from its RECORD (ours or pip's). Traps:
 * - Paths are relative to the folder holding the `.dist-info` (site-packages), so scripts appear
 *   as `../../../bin/tool`; old installers wrote absolute paths.
 * - A RECORD is data a package wrote: every path must resolve inside the environment, or nothing
 *   is removed at all.
 * - Compiled `.pyc` files in `__pycache__` are often not listed (written at import time), so the
 *   ones matching a listed `.py` are removed too, as pip does.
 * - Files in the `.dist-info` folder that RECORD forgot go with it.
 */
export function filesOfDist(scheme: InstallScheme, dist: InstalledDist): string[] {
  let text: string;
  try {
    text = readFileSync(join(dist.distInfo, "RECORD"), "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw missingRecord(dist.distInfo);
    throw error;
  }
  const siteDir = dirname(dist.distInfo);
  const files = new Set<string>();
  for (const row of parseRecord(text)) {
    if (row.path === "") continue;
    const path = isAbsolute(row.path) ? resolve(row.path) : resolve(siteDir, row.path);
    const rel = relative(scheme.envDir, path);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel))
      throw unsafeRecord(basename(dist.distInfo), row.path);
    files.add(path);
  }
  for (const path of [...files]) {
    if (!path.endsWith(".py")) continue;
    const cacheDir = join(dirname(path), "__pycache__");
    if (!existsSync(cacheDir)) continue;
    const stem = basename(path, ".py") + ".";
    for (const name of readdirSync(cacheDir)) {
      if (name.startsWith(stem) && name.endsWith(".pyc") && name.slice(stem.length).split(".").length <= 3) {
        files.add(join(cacheDir, name));
      }
    }
  }
  for (const name of readdirSync(dist.distInfo, { recursive: true }) as string[]) {
    const path = join(dist.distInfo, name);
    if (!statSync(path).isDirectory()) files.add(path);
  }
  return [...files];
}
