import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { findTestPythonsAtLeast } from "../helpers/pythons.ts";
import { makeTempDir, pyScriptsDir, runPython } from "./fixtures.ts";
import { buildTinyEnv } from "./tinyEnv.ts";

/**
 * ExtensionConflict with a real C extension compiled by the machine's C compiler for each
 * interpreter: tinyext 1.0.0 in main, 2.0.0 and 3.0.0 in bubbles. The test fails with a clear
 * message when no compiler (or no Python.h) is available.
 */
const pythons = findTestPythonsAtLeast(8);
const root = makeTempDir("loader-ext");
after(() => rmSync(root, { recursive: true, force: true }));

describe("runtime loader and compiled extensions", () => {
  test("finds interpreters 3.8+ to run on", () => {
    assert.ok(pythons.length > 0, "no CPython 3.8+ interpreter found");
  });
  for (const python of pythons) {
    test(`ExtensionConflict on Python ${python.version}`, () => {
      const venv = buildTinyEnv(python.path, join(root, python.version), { extensions: true });
      for (const mode of ["loaded", "memory"]) {
        const result = runPython(venv.python, [join(pyScriptsDir, "ext_check.py"), mode]);
        assert.equal(
          result.status,
          0,
          `ext_check ${mode} on ${python.version}:\n${result.stdout}\n${result.stderr}`,
        );
        assert.match(result.stdout, /ALL OK/);
      }
    });
  }
});
