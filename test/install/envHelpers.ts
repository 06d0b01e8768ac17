import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A folder shaped like a POSIX venv (pyvenv.cfg + lib/pythonX.Y/site-packages + bin) for installer
 * tests that need no interpreter; tests that run Python create real venvs instead.
 */
export function makeFakeEnv(dir: string, version = "3.11.7"): string {
  const minor = version.split(".").slice(0, 2).join(".");
  mkdirSync(join(dir, "lib", `python${minor}`, "site-packages"), { recursive: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  writeFileSync(
    join(dir, "pyvenv.cfg"),
    `home = /nowhere\ninclude-system-site-packages = false\nversion = ${version}\n`,
  );
  return dir;
}

/** Every file and symlink under `dir` with its sha256 and mode: equal snapshots mean equal trees. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const relPath = rel ? `${rel}/${name}` : name;
      const path = join(dir, relPath);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(relPath);
      else if (stat.isSymbolicLink()) out.set(relPath, `link:${readlinkSync(path)}`);
      else
        out.set(
          relPath,
          `${createHash("sha256").update(readFileSync(path)).digest("hex")}:${(stat.mode & 0o111) !== 0 ? "x" : "-"}`,
        );
    }
  };
  walk("");
  return out;
}

export function diffSnapshots(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${b.has(k) ? "~" : "-"} ${k}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`+ ${k}`);
  return out;
}
