import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of omnipkg's own package.json, found by walking up from this module. Works from `src/`
 * under tsx and from the bundled `dist/`, so shipped files (the Python runtime under src/runtime) are
 * found the same way in both.
 */
let cached: string | undefined;
let version = "0.0.0";

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "omnipkg") {
          cached = dir;
          version = pkg.version ?? version;
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

/** omnipkg's own version, from its package.json (`--version`, and the key of derived caches). */
export function omnipkgVersion(): string {
  packageRoot();
  return version;
}

export function runtimeDir(): string {
  return join(packageRoot(), "src", "runtime");
}
