import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { listDistsIn } from "./distInfo.ts";

/**
 * The wheels some environment of the home still uses: every `omnipkg_wheel` file in a dist-info
 * under `envs/<id>/lib/python*\/site-packages` and under `envs/<id>/bubbles/<name>-<version>/`.
 * Read from disk, not from the knowledge base, so `store gc` can never drop a wheel an environment
 * links to just because a record was lost. Bubble folders are searched a few levels deep, since a
 * bubble may hold a site folder of its own.
 */

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .map((name) => join(dir, name))
      .filter((path) => {
        try {
          return statSync(path).isDirectory();
        } catch {
          return false;
        }
      });
  } catch (error) {
    if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return [];
    throw error;
  }
}

function collectSiteDirs(dir: string, depth: number, out: string[]): void {
  const children = subdirs(dir);
  if (children.some((c) => c.endsWith(".dist-info"))) out.push(dir);
  if (depth === 0) return;
  for (const child of children) if (!child.endsWith(".dist-info")) collectSiteDirs(child, depth - 1, out);
}

export function findLiveWheels(envsDir: string): Set<string> {
  const siteDirs: string[] = [];
  for (const env of subdirs(envsDir)) {
    for (const lib of subdirs(join(env, "lib"))) siteDirs.push(join(lib, "site-packages"));
    for (const bubble of subdirs(join(env, "bubbles"))) collectSiteDirs(bubble, 4, siteDirs);
  }
  const live = new Set<string>();
  for (const dir of siteDirs)
    for (const dist of listDistsIn(dir)) if (dist.wheelSha256) live.add(dist.wheelSha256);
  return live;
}
