import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { requirePythons } from "../helpers/pythons.ts";
import { makeTempDir, runPython, writeBubble, writeDist, type Dist } from "./fixtures.ts";
import { buildTinyEnv } from "./tinyEnv.ts";

/**
 * A project may put another project's compiled module under its own name (requests aliases
 * charset_normalizer's `md` extension as `requests.packages.charset_normalizer.md`). Such a module
 * is not the project's own extension, so switching the project's version must not raise
 * ExtensionConflict. Found by the stress test on real requests 2.31.0 → 2.32.3.
 */
const root = makeTempDir("loader-ext-alias");
after(() => rmSync(root, { recursive: true, force: true }));

function aliaser(version: string): Dist {
  return {
    name: "aliaser",
    version,
    files: {
      "aliaser/__init__.py": `import sys\nimport tinyext._core\nsys.modules["aliaser.fast"] = tinyext._core\nVERSION = "${version}"\n`,
    },
  };
}

test("another project's extension aliased under a project's name does not block switching it", () => {
  const [python] = requirePythons(1, 8);
  const venv = buildTinyEnv(python!.path, join(root, "x"), { extensions: true });
  writeDist(venv.site, aliaser("1.0.0"));
  const v2 = aliaser("2.0.0");
  writeBubble(venv, v2, [{ dist: v2, location: "bubble" }]);
  const script = [
    "import omnipkg, aliaser",
    "assert aliaser.VERSION == '1.0.0'",
    "with omnipkg.loader('aliaser==2.0.0'):",
    "    import aliaser",
    "    print('inside', aliaser.VERSION)",
    "import aliaser",
    "print('after', aliaser.VERSION)",
    // tinyext's own extension is loaded from main: switching tinyext itself must still refuse.
    "try:",
    "    with omnipkg.loader('tinyext==2.0.0'):",
    "        pass",
    "except omnipkg.ExtensionConflict:",
    "    print('tinyext refused')",
  ].join("\n");
  const result = runPython(venv.python, ["-c", script]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, "inside 2.0.0\nafter 1.0.0\ntinyext refused\n");
});
