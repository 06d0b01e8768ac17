import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultPython3, discoverCandidates } from "../../src/python/discover.ts";
import { requirePythons } from "../helpers/pythons.ts";
import { makeTempDir, removeDir } from "./cliHarness.ts";

/** A fake pyenv root: versions/<v>/bin/python3 linking to real interpreters, and a bash shim. */
function fakePyenv(root: string, versions: { name: string; path: string }[]): void {
  for (const v of versions) {
    mkdirSync(join(root, "versions", v.name, "bin"), { recursive: true });
    symlinkSync(v.path, join(root, "versions", v.name, "bin", "python3"));
  }
  mkdirSync(join(root, "shims"), { recursive: true });
  writeFileSync(join(root, "shims", "python3"), '#!/usr/bin/env bash\nexec pyenv exec python3 "$@"\n');
  chmodSync(join(root, "shims", "python3"), 0o755);
}

test("discovery tags sources, dedupes by real path and skips shims and omnipkg's own home", () => {
  const [a, b] = requirePythons(2);
  const dir = makeTempDir("discover");
  try {
    const pyenv = join(dir, "pyenv");
    fakePyenv(pyenv, [
      { name: a!.version, path: a!.path },
      { name: b!.version, path: b!.path },
    ]);
    // The same interpreter again under another name on PATH, plus a folder inside the home.
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync(a!.path, join(bin, "python3"));
    const home = join(dir, "home");
    mkdirSync(join(home, "active", "bin"), { recursive: true });
    symlinkSync(b!.path, join(home, "active", "bin", "python3"));
    const env = {
      PATH: [join(home, "active", "bin"), join(pyenv, "shims"), bin].join(":"),
      PYENV_ROOT: pyenv,
      HOME: dir,
    };

    const found = discoverCandidates({ env, homeRoot: home });
    const byReal = new Map(found.map((c) => [c.realPath, c]));
    assert.equal(byReal.get(realpathSync(a!.path))?.source, "pyenv");
    assert.equal(byReal.get(realpathSync(b!.path))?.source, "pyenv");
    assert.equal(new Set(found.map((c) => c.realPath)).size, found.length, "no real path twice");
    for (const c of found) {
      assert.ok(!c.path.startsWith(home), `${c.path} is inside the omnipkg home`);
      assert.ok(!c.path.includes(join(pyenv, "shims")), `${c.path} is a pyenv shim`);
    }
  } finally {
    removeDir(dir);
  }
});

test("the default python3 follows a pyenv shim to the selected version, else the next PATH entry", () => {
  const [a, b] = requirePythons(2);
  const dir = makeTempDir("default");
  try {
    const pyenv = join(dir, "pyenv");
    fakePyenv(pyenv, [{ name: "chosen", path: b!.path }]);
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync(a!.path, join(bin, "python3"));
    const env = { PATH: [join(pyenv, "shims"), bin].join(":"), PYENV_ROOT: pyenv, HOME: dir };
    const project = join(dir, "project", "sub");
    mkdirSync(project, { recursive: true });

    writeFileSync(join(pyenv, "version"), "chosen\n");
    assert.equal(defaultPython3({ env, cwd: project }), join(pyenv, "versions", "chosen", "bin", "python3"));

    writeFileSync(join(dir, "project", ".python-version"), "# pinned\nsystem\n");
    assert.equal(defaultPython3({ env, cwd: project }), join(bin, "python3"), "system falls through to PATH");

    assert.equal(
      defaultPython3({ env: { ...env, PYENV_VERSION: "chosen" }, cwd: project }),
      join(pyenv, "versions", "chosen", "bin", "python3"),
    );
  } finally {
    removeDir(dir);
  }
});

test("uv-managed and conda interpreters are found and tagged with their source", () => {
  const [a] = requirePythons(1);
  const dir = makeTempDir("discover-managers");
  try {
    // Copies, not links: a link would resolve to the pyenv interpreter and be deduplicated into it.
    const uvExe = join(dir, "uv", `cpython-${a!.version}-linux-x86_64-gnu`, "bin", "python3");
    const condaExe = join(dir, "conda", "envs", "work", "bin", "python3");
    for (const exe of [uvExe, condaExe]) {
      mkdirSync(join(exe, ".."), { recursive: true });
      copyFileSync(realpathSync(a!.path), exe);
      chmodSync(exe, 0o755);
    }
    const env = {
      PATH: "",
      UV_PYTHON_INSTALL_DIR: join(dir, "uv"),
      CONDA_PREFIX: join(dir, "conda"),
      HOME: dir,
    };
    const found = discoverCandidates({ env });
    assert.equal(found.find((c) => c.realPath === uvExe)?.source, "uv");
    assert.equal(found.find((c) => c.realPath === condaExe)?.source, "conda");
  } finally {
    removeDir(dir);
  }
});

test("a Homebrew prefix is recognised by its Cellar, from PATH or HOMEBREW_PREFIX, without naming one", () => {
  const [a] = requirePythons(1);
  const dir = makeTempDir("discover-brew");
  try {
    const onPath = join(dir, "brew-a");
    const byVariable = join(dir, "brew-b");
    const plain = join(dir, "plain");
    for (const prefix of [onPath, byVariable, plain]) {
      mkdirSync(join(prefix, "bin"), { recursive: true });
      copyFileSync(realpathSync(a!.path), join(prefix, "bin", "python3"));
      chmodSync(join(prefix, "bin", "python3"), 0o755);
    }
    mkdirSync(join(onPath, "Cellar"));
    mkdirSync(join(byVariable, "Cellar"));
    const env = {
      PATH: [join(onPath, "bin"), join(plain, "bin")].join(":"),
      HOMEBREW_PREFIX: byVariable,
      HOME: dir,
    };
    const found = discoverCandidates({ env });
    const sourceOf = (prefix: string) =>
      found.find((c) => c.realPath === join(prefix, "bin", "python3"))?.source;
    assert.equal(sourceOf(onPath), "homebrew");
    assert.equal(sourceOf(byVariable), "homebrew");
    assert.equal(sourceOf(plain), "path", "a PATH folder without a Cellar is plain PATH");
  } finally {
    removeDir(dir);
  }
});
