import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of omnipkg's own package.json, found by walking up from this module. Works from `src/`
 * under tsx and from the bundled `dist/`, so shipped files (the Python runtime under src/runtime) are
 * found the same way in both.
 */
let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, "utf8")) as { name?: string }).name === "omnipkg") {
          cached = dir;
          return dir;
        }
      } catch {
        // keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("omnipkg: cannot find its own package.json");
    dir = parent;
  }
}

export function runtimeDir(): string {
  return join(packageRoot(), "src", "runtime");
}
