import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { findTestPythonsAtLeast } from "../helpers/pythons.ts";
import { pyScriptsDir, runPython, runtimeDir } from "./fixtures.ts";

/**
 * The loader's own PEP 440 subset (ordering, normalisation, ==/!=/</<=/>/>=/~=/===, .* prefixes,
 * pre-release selection, invalid specifiers) agrees with packaging, using pip's vendored copy of
 * an interpreter on this machine as the reference.
 */
test("runtime PEP 440 subset matches packaging", () => {
  const withPip = findTestPythonsAtLeast(8).find(
    (p) => runPython(p.path, ["-c", "import pip._vendor.packaging.specifiers"]).status === 0,
  );
  assert.ok(withPip, "no CPython 3.8+ interpreter with pip (the reference packaging) was found");
  const result = runPython(withPip.path, [join(pyScriptsDir, "pep440_check.py"), dirname(runtimeDir)]);
  assert.equal(result.status, 0, `mismatches against packaging:\n${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /^ALL OK \d{4,}/);
});
