import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { installWheels, schemeForEnv } from "../../src/install/index.ts";
import { launcherScript, rewriteShebang, shebangFor } from "../../src/install/scripts.ts";
import { createStore } from "../../src/store/index.ts";
import { buildWheel } from "../helpers/buildWheel.ts";
import { requirePythons } from "../helpers/pythons.ts";

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(prefix = "omnipkg-scheme-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

describe("schemeForEnv", () => {
  it("reads uv's version_info and finds a free-threaded lib/python3.13t", () => {
    const env = tempDir();
    mkdirSync(join(env, "lib", "python3.13t", "site-packages"), { recursive: true });
    writeFileSync(
      join(env, "pyvenv.cfg"),
      "home = /x/bin\nimplementation = CPython\nversion_info = 3.13.0.final.0\n",
    );
    const scheme = schemeForEnv(env);
    assert.equal(scheme.pythonVersion, "3.13");
    assert.equal(scheme.purelib, join(env, "lib", "python3.13t", "site-packages"));
    assert.equal(scheme.headersRoot, join(env, "include", "site", "python3.13"));
    assert.equal(scheme.python, join(env, "bin", "python"));
  });

  it("matches what a real interpreter reports for its own venv", () => {
    const [python] = requirePythons(1, 8);
    const env = join(tempDir(), "venv");
    execFileSync(python!.path, ["-m", "venv", "--without-pip", env], { stdio: "ignore" });
    const scheme = schemeForEnv(env);
    const out = execFileSync(
      join(env, "bin", "python"),
      ["-c", "import sysconfig, json; print(json.dumps(sysconfig.get_paths()))"],
      { encoding: "utf8" },
    );
    const paths = JSON.parse(out) as Record<string, string>;
    assert.equal(scheme.purelib, paths.purelib);
    assert.equal(scheme.platlib, paths.platlib);
    assert.equal(scheme.scripts, paths.scripts);
    assert.equal(scheme.data, paths.data);
  });
});

describe("shebangs and launchers", () => {
  it("rewrites a first line starting with #!python, keeping arguments", () => {
    assert.equal(
      rewriteShebang(Buffer.from("#!python\nx\n"), "/e/bin/python").toString(),
      "#!/e/bin/python\nx\n",
    );
    assert.equal(
      rewriteShebang(Buffer.from("#!pythonw -E\r\nx\n"), "/e/bin/python").toString(),
      "#!/e/bin/python -E\nx\n",
    );
    assert.equal(
      rewriteShebang(Buffer.from("#!/usr/bin/env python\nx\n"), "/e/bin/python").toString(),
      "#!/usr/bin/env python\nx\n",
    );
    assert.equal(
      rewriteShebang(Buffer.from("#!python3.11\nx\n"), "/e/bin/python").toString(),
      "#!/e/bin/python\nx\n",
    );
    const notFirst = Buffer.from("#!/bin/sh\n#!python\n");
    assert.equal(rewriteShebang(notFirst, "/e/bin/python").toString(), "#!/bin/sh\n#!python\n");
  });

  it("uses a /bin/sh trampoline when the interpreter path has a space or is too long", () => {
    assert.match(
      shebangFor("/with space/bin/python"),
      /^#!\/bin\/sh\n'''exec' "\/with space\/bin\/python" "\$0" "\$@"\n' '''\n$/,
    );
    assert.match(shebangFor("/" + "x".repeat(130) + "/python"), /^#!\/bin\/sh\n/);
    assert.equal(
      launcherScript("/e/bin/python", {
        group: "console_scripts",
        name: "t",
        module: "a.b",
        attrs: ["c", "d"],
      }).split("\n")[0],
      "#!/e/bin/python",
    );
  });

  it("runs a console script and a rewritten script from a venv whose path has a space", async () => {
    const [python] = requirePythons(1, 8);
    const root = tempDir("omnipkg scheme ");
    const env = join(root, "my venv");
    execFileSync(python!.path, ["-m", "venv", "--without-pip", env], { stdio: "ignore" });
    const store = createStore(join(root, "store"));
    const manifest = await store.importWheel(
      buildWheel(
        {
          name: "spaced",
          version: "1.0",
          files: {
            "spaced/__init__.py": "import sys\ndef main():\n    print('ok', sys.argv[1:])\n    return 3\n",
          },
          entryPoints: { console_scripts: { spaced: "spaced:main" } },
          data: { scripts: { "spaced-raw": "#!python\nimport sys\nprint(sys.executable)\n" } },
        },
        root,
      ).path,
    );
    installWheels(store, schemeForEnv(env), [{ manifest, requested: true }]);
    assert.match(readFileSync(join(env, "bin", "spaced"), "utf8"), /^#!\/bin\/sh\n/);
    const r = spawnSync(join(env, "bin", "spaced"), ["a b", "c"], { encoding: "utf8" });
    assert.equal(r.stdout, "ok ['a b', 'c']\n", r.stderr);
    assert.equal(r.status, 3);
    const raw = spawnSync(join(env, "bin", "spaced-raw"), [], { encoding: "utf8" });
    assert.equal(raw.stdout.trim(), join(env, "bin", "python"), raw.stderr);
  });
});
