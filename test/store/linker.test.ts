import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createLinker } from "../../src/store/index.ts";
import { tempDirFactory } from "./storeDirs.ts";

const mounts: string[] = [];
const tempDir = tempDirFactory("linker", () => {
  for (const mount of mounts) execFileSync("umount", [mount]);
});

function storeFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o444 });
  return path;
}

describe("createLinker", () => {
  it("shares blocks on one filesystem (reflink where supported, else a hard link) and remembers the method", () => {
    const root = tempDir();
    const a = storeFile(root, "a", "alpha");
    const b = storeFile(root, "b", "beta");
    mkdirSync(join(root, "env"));
    const warnings: string[] = [];
    const linker = createLinker({ warn: (m) => warnings.push(m) });
    const method = linker.linkFile(a, join(root, "env", "a"), 0o644);
    assert.ok(method === "reflink" || method === "hardlink", method);
    assert.equal(linker.methodFor(join(root, "env")), method);
    assert.equal(linker.linkFile(b, join(root, "env", "b"), 0o644), method);
    if (method === "hardlink") assert.equal(statSync(join(root, "env", "a")).ino, statSync(a).ino);
    assert.equal(readFileSync(join(root, "env", "b"), "utf8"), "beta");
    assert.deepEqual(warnings, []);
    assert.throws(() => linker.linkFile(a, join(root, "env", "a"), 0o644), /EEXIST/);
  });

  it("copies with the wanted mode when told to, without warning", () => {
    const root = tempDir();
    const a = storeFile(root, "a", "alpha");
    const warnings: string[] = [];
    const linker = createLinker({ prefer: "copy", warn: (m) => warnings.push(m) });
    assert.equal(linker.linkFile(a, join(root, "copy"), 0o755), "copy");
    assert.notEqual(statSync(join(root, "copy")).ino, statSync(a).ino);
    assert.equal(statSync(join(root, "copy")).mode & 0o777, 0o755);
    assert.deepEqual(warnings, []);
  });

  it("falls back to copying across filesystems (EXDEV) and warns exactly once", (t) => {
    const root = tempDir();
    const mount = tempDir();
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], { stdio: "ignore" });
    } catch {
      t.skip("cannot mount a second filesystem here (not root)");
      return;
    }
    mounts.push(mount);
    const a = storeFile(root, "a", "alpha");
    const b = storeFile(root, "b", "beta");
    const warnings: string[] = [];
    const linker = createLinker({ warn: (m) => warnings.push(m) });
    assert.equal(linker.linkFile(a, join(mount, "a"), 0o644), "copy");
    assert.equal(linker.linkFile(b, join(mount, "b"), 0o755), "copy");
    assert.equal(statSync(join(mount, "b")).mode & 0o777, 0o755);
    assert.equal(readFileSync(join(mount, "a"), "utf8"), "alpha");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /copying files instead/);
    // The original filesystem keeps its own, faster method.
    mkdirSync(join(root, "env"));
    assert.notEqual(linker.linkFile(a, join(root, "env", "a"), 0o644), "copy");
  });
});
