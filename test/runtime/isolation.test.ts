import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { findTestPythonsAtLeast } from "../helpers/pythons.ts";
import { makeTempDir, pyScriptsDir } from "./fixtures.ts";
import { buildTinyEnv } from "./tinyEnv.ts";

/**
 * Activation is process-local: three processes use one environment at the same moment, two in
 * different bubbles and one in main, and each sees only its own version. The environment's files
 * are the same before and after (nothing renamed or rewritten on disk).
 */
const root = makeTempDir("loader-iso");
after(() => rmSync(root, { recursive: true, force: true }));

interface Seen {
  spec: string | null;
  version: string;
  helper: string | null;
  metadata: string;
  file: string;
}

function listTree(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    out.push(`${path} ${stat.size} ${stat.mtimeMs}`);
    if (stat.isDirectory()) out.push(...listTree(path));
  }
  return out.sort();
}

test("two processes in different bubbles side by side, and one in main", async () => {
  const pythons = findTestPythonsAtLeast(8);
  assert.ok(pythons.length > 0, "no CPython 3.8+ interpreter found");
  const venv = buildTinyEnv(pythons[0]!.path, root);
  const treeBefore = listTree(venv.dir);
  const specs = ["tinypkg==2.0.0", "tinypkg==3.0.0", ""];
  const children = specs.map((spec) => {
    const child = spawn(venv.python, [join(pyScriptsDir, "side_by_side.py"), ...(spec ? [spec] : [])], {
      stdio: ["pipe", "pipe", "pipe"],
      // No .pyc files: the test compares the environment's files before and after.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const ready = new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (stdout.startsWith("ready\n")) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
      child.on("exit", (code) => {
        clearInterval(poll);
        if (!stdout.startsWith("ready\n")) reject(new Error(`child ${spec} exited ${code} early: ${stderr}`));
      });
    });
    const done = new Promise<number | null>((resolve) => child.on("exit", resolve));
    return { spec, child, ready, done, out: () => stdout, err: () => stderr };
  });
  // All three are inside their blocks (or in main) before any of them imports.
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end("go\n");
  const codes = await Promise.all(children.map((c) => c.done));
  const seen = children.map((c, i) => {
    assert.equal(codes[i], 0, `child ${c.spec || "(main)"} failed:\n${c.err()}`);
    return JSON.parse(c.out().split("\n")[1]!) as Seen;
  });
  assert.deepEqual(
    seen.map((s) => [s.version, s.metadata, s.helper]),
    [
      ["2.0.0", "2.0.0", "1.0.0"],
      ["3.0.0", "3.0.0", "2.0.0"],
      ["1.0.0", "1.0.0", null],
    ],
  );
  assert.match(seen[0]!.file, /bubbles\/tinypkg-2\.0\.0\/tinypkg\/__init__\.py$/);
  assert.match(seen[1]!.file, /bubbles\/tinypkg-3\.0\.0\/tinypkg\/__init__\.py$/);
  assert.match(seen[2]!.file, /site-packages\/tinypkg\/__init__\.py$/);
  assert.deepEqual(listTree(venv.dir), treeBefore, "the environment's files changed");
});
