import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  buildExtension,
  installRuntime,
  makeVenv,
  writeBubble,
  writeDist,
  type Dist,
  type Venv,
} from "./fixtures.ts";

/**
 * The environment most loader tests share. Main site-packages holds tinypkg 1.0.0 (which ships an
 * extra top-level module, tinypkg_legacy) and plainlib 1.0.0. Bubbles hold tinypkg 2.0.0 (which
 * depends on tiny-helper 1.0.0, absent from main, and takes plainlib from main), 3.0.0 (with
 * tiny-helper 2.0.0; its manifest has no top_level, so RECORD is read) and 2.1.0rc1, plus a stale bubble (0.5.0) and one for another Python (8.0.0). With `extensions`, tinyext (a package with a C extension)
 * is built at 1.0.0 in main and 2.0.0 / 3.0.0 in bubbles.
 */
export function tinypkg(version: string, extra: Record<string, string> = {}): Dist {
  const usesHelper = version !== "1.0.0";
  return {
    name: "tinypkg",
    version,
    requires: usesHelper ? [`tiny-helper`] : [],
    entryPoints: `[console_scripts]\ntinypkg = tinypkg.core:which\n\n[tinypkg.plugins]\nv${version.split(".")[0]} = tinypkg.core\n`,
    files: {
      "tinypkg/__init__.py": [
        `VERSION = "${version}"`,
        usesHelper ? "import tinyhelper\nHELPER = tinyhelper.VERSION" : "HELPER = None",
        "from . import core",
        "",
      ].join("\n"),
      "tinypkg/core.py": `def which():\n    return "core ${version}"\n`,
      ...(version === "1.0.0" ? { "tinypkg_legacy.py": "LEGACY = True\n" } : {}),
      ...extra,
    },
  };
}

export function tinyHelper(version: string): Dist {
  return { name: "tiny-helper", version, files: { "tinyhelper.py": `VERSION = "${version}"\n` } };
}

export const plainlib: Dist = {
  name: "plainlib",
  version: "1.0.0",
  files: { "plainlib.py": "NAME = 'plainlib'\n" },
};

export function tinyext(version: string, so: Buffer, extSuffix: string): Dist {
  return {
    name: "tinyext",
    version,
    files: {
      "tinyext/__init__.py": "from ._core import version\n",
      [`tinyext/_core${extSuffix}`]: so,
    },
  };
}

export interface TinyEnvOptions {
  extensions?: boolean;
}

export function buildTinyEnv(basePython: string, root: string, options: TinyEnvOptions = {}): Venv {
  const venv = makeVenv(basePython, join(root, "env"));
  installRuntime(venv.site);
  writeDist(venv.site, tinypkg("1.0.0"));
  writeDist(venv.site, plainlib);
  writeBubble(venv, tinypkg("2.0.0"), [
    { dist: tinypkg("2.0.0"), location: "bubble" },
    { dist: tinyHelper("1.0.0"), location: "bubble" },
    { dist: plainlib, location: "main" },
  ]);
  writeBubble(
    venv,
    tinypkg("3.0.0"),
    [
      { dist: tinypkg("3.0.0"), location: "bubble" },
      { dist: tinyHelper("2.0.0"), location: "bubble" },
    ],
    { topLevel: false },
  );
  writeBubble(venv, tinypkg("2.1.0rc1"), [
    { dist: tinypkg("2.1.0rc1"), location: "bubble" },
    { dist: tinyHelper("1.0.0"), location: "bubble" },
  ]);
  // A stale bubble (expects plainlib 0.9.0 from main, which has 1.0.0) and one built for another
  // Python: the loader must refuse the first and ignore the second.
  writeBubble(venv, tinypkg("0.5.0"), [
    { dist: tinypkg("0.5.0"), location: "bubble" },
    { dist: { ...plainlib, version: "0.9.0" }, location: "main" },
  ]);
  writeBubble({ ...venv, minor: "3.0" }, tinypkg("8.0.0"), [{ dist: tinypkg("8.0.0"), location: "bubble" }]);
  if (options.extensions) {
    const work = join(root, "cc");
    mkdirSync(work, { recursive: true });
    const ext = (v: string): Dist => tinyext(v, buildExtension(venv, v, work), venv.extSuffix);
    writeDist(venv.site, ext("1.0.0"));
    for (const v of ["2.0.0", "3.0.0"]) {
      const dist = ext(v);
      writeBubble(venv, dist, [{ dist, location: "bubble" }]);
    }
  }
  return venv;
}
