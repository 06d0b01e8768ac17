import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { findTestPythonsAtLeast } from "../helpers/pythons.ts";
import { makeTempDir, pyScriptsDir, runPython } from "./fixtures.ts";
import { buildTinyEnv } from "./tinyEnv.ts";

/**
 * The loader's core behaviour on every interpreter from 3.8 up found on this machine: imports and
 * metadata from a bubble, a dependency only the bubble has, hiding of main's files, nesting (including
 * main's version under two bubbles), the decorator, specifier choice, no-op for main's version,
 * exact restoration of sys.path / sys.modules / sys.meta_path, NotInstalled text, new bubbles seen
 * without a restart. The assertions run inside the interpreter (py/core_check.py).
 */
const pythons = findTestPythonsAtLeast(8);
const root = makeTempDir("loader-core");
after(() => rmSync(root, { recursive: true, force: true }));

describe("runtime loader core", () => {
  test("finds interpreters 3.8+ to run on", () => {
    assert.ok(pythons.length > 0, "no CPython 3.8+ interpreter found (pyenv or python3.X on PATH)");
  });
  for (const python of pythons) {
    test(`core behaviour on Python ${python.version}`, () => {
      const venv = buildTinyEnv(python.path, join(root, python.version));
      const result = runPython(venv.python, [join(pyScriptsDir, "core_check.py")]);
      assert.equal(
        result.status,
        0,
        `core_check failed on ${python.version}:\n${result.stdout}\n${result.stderr}`,
      );
      assert.match(result.stdout, new RegExp(`ALL OK ${python.version.replace(/\./g, "\\.")}`));
    });
  }
});
