import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Real CPython interpreters for tests, discovered the way a user's machine has them: pyenv's
 * versions folder ($PYENV_ROOT, default ~/.pyenv) and python3.X on PATH. Only 3.x interpreters that
 * actually run are returned, newest first. Tests that need N of them call `requirePythons(N)`, which
 * fails with a clear message instead of passing vacuously.
 */
export interface TestPython {
  version: string;
  /** "3.11" */
  minor: string;
  path: string;
}

let cache: TestPython[] | undefined;

function versionOf(path: string): string | undefined {
  try {
    const out = execFileSync(path, ["-c", "import platform; print(platform.python_version())"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    return out.trim();
  } catch {
    return undefined;
  }
}

export function findTestPythons(): TestPython[] {
  if (cache) return cache;
  const candidates = new Set<string>();
  const pyenvRoot = process.env.PYENV_ROOT ?? join(homedir(), ".pyenv");
  const versionsDir = join(pyenvRoot, "versions");
  if (existsSync(versionsDir)) {
    for (const name of readdirSync(versionsDir)) {
      const exe = join(versionsDir, name, "bin", "python3");
      if (existsSync(exe)) candidates.add(exe);
    }
  }
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir || dir.includes("shims")) continue;
    for (let minor = 6; minor <= 14; minor++) {
      const exe = join(dir, `python3.${minor}`);
      if (existsSync(exe)) candidates.add(exe);
    }
  }
  const byVersion = new Map<string, TestPython>();
  for (const path of candidates) {
    const version = versionOf(path);
    if (!version || !version.startsWith("3.")) continue;
    if (!byVersion.has(version))
      byVersion.set(version, { version, minor: version.split(".").slice(0, 2).join("."), path });
  }
  cache = [...byVersion.values()].sort((a, b) => {
    const pa = a.version.split(".").map(Number);
    const pb = b.version.split(".").map(Number);
    for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pb[i] ?? 0) - (pa[i] ?? 0);
    return 0;
  });
  return cache;
}

/** Interpreters at or above a minimum minor version (the loader supports 3.8+, for example). */
export function findTestPythonsAtLeast(minMinor: number): TestPython[] {
  return findTestPythons().filter((p) => Number(p.minor.split(".")[1]) >= minMinor);
}

export function requirePythons(count: number, minMinor = 6): TestPython[] {
  const found = findTestPythonsAtLeast(minMinor);
  if (found.length < count) {
    throw new Error(
      `This test needs ${count} CPython 3.${minMinor}+ interpreters; found ${found.length} (${found.map((p) => p.version).join(", ") || "none"}). Install more with pyenv.`,
    );
  }
  return found.slice(0, count);
}
