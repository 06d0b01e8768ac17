import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { findTestPythons } from "../helpers/pythons.ts";
import { installRuntime, makeTempDir, runPython, runtimeDir } from "./fixtures.ts";

/**
 * `import omnipkg` on Python 3.6 / 3.7 raises an ImportError naming the supported versions. The
 * package's __init__ must therefore parse as 3.6 code; that is checked on every run with a 3.8+
 * interpreter's parser, and the real import runs on each 3.6 / 3.7 interpreter found.
 */
const root = makeTempDir("loader-old");
after(() => rmSync(root, { recursive: true, force: true }));

test("__init__.py parses with Python 3.6's grammar", () => {
  const modern = findTestPythons().find((p) => Number(p.minor.split(".")[1]) >= 8);
  assert.ok(modern, "no CPython 3.8+ interpreter found");
  const source = readFileSync(join(runtimeDir, "__init__.py"), "utf8");
  const result = runPython(modern.path, [
    "-c",
    "import ast, sys; ast.parse(open(sys.argv[1]).read(), feature_version=(3, 6))",
    join(runtimeDir, "__init__.py"),
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.ok(source.includes("(3, 8)"));
});

const old = findTestPythons().filter((p) => p.minor === "3.6" || p.minor === "3.7");
for (const python of old) {
  test(`import omnipkg on Python ${python.version} raises a clear ImportError`, () => {
    const site = join(root, python.version);
    installRuntime(site);
    const result = runPython(python.path, ["-c", "import omnipkg"], { PYTHONPATH: site });
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      new RegExp(
        `ImportError: omnipkg's runtime supports Python 3\\.8 to 3\\.13; this interpreter is Python ${python.version.replace(/\./g, "\\.")} \\(`,
      ),
    );
  });
}
