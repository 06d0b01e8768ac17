import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  installWheels,
  listInstalled,
  schemeForEnv,
  uninstall,
  type InstallScheme,
} from "../../src/install/index.ts";
import { createStore, type Store } from "../../src/store/index.ts";
import { buildWheel, type WheelSpec } from "../helpers/buildWheel.ts";
import { requirePythons } from "../helpers/pythons.ts";
import { diffSnapshots, snapshotTree } from "./envHelpers.ts";
import { findMirrorWheel } from "./mirror.ts";

/**
 * What omnipkg installs must be indistinguishable to pip and importlib.metadata, and omnipkg must
 * see what pip installed. Real CPython, a real venv with pip, real `pip list/check/uninstall`.
 */

let root: string;
let env: string;
let python: string;
let scheme: InstallScheme;
let store: Store;

before(() => {
  const [base] = requirePythons(1, 8);
  root = mkdtempSync(join(tmpdir(), "omnipkg-pip-"));
  env = join(root, "venv");
  execFileSync(base!.path, ["-m", "venv", env], { stdio: "ignore", timeout: 120_000 });
  python = join(env, "bin", "python");
  scheme = schemeForEnv(env);
  store = createStore(join(root, "store"));
});
after(() => rmSync(root, { recursive: true, force: true }));

function run(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, PIP_NO_INPUT: "1", PYTHONDONTWRITEBYTECODE: "" },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function pipList(): Record<string, string> {
  const r = run(python, ["-m", "pip", "list", "--format=json", "--disable-pip-version-check"]);
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(
    (JSON.parse(r.stdout) as Array<{ name: string; version: string }>).map((p) => [
      p.name.toLowerCase(),
      p.version,
    ]),
  );
}

async function install(spec: WheelSpec, requested = true): Promise<void> {
  const manifest = await store.importWheel(buildWheel(spec, root).path);
  installWheels(store, scheme, [{ manifest, requested }]);
}

const demo: WheelSpec = {
  name: "interop-demo",
  version: "1.0",
  files: { "interop_demo/__init__.py": "X = 42\ndef main():\n    print('demo says', X)\n" },
  requiresDist: ["pip>=1"],
  entryPoints: { console_scripts: { "interop-demo": "interop_demo:main" } },
  data: { scripts: { "interop-raw": "#!python\nimport sys\nprint('raw on', sys.prefix)\n" } },
};

describe("pip and importlib.metadata see omnipkg's installs, omnipkg sees pip's", () => {
  it("pip list, pip check, import, console script, importlib.metadata, then pip uninstall", async () => {
    const start = snapshotTree(env);
    await install(demo);
    assert.equal(pipList()["interop-demo"], "1.0");
    const check = run(python, ["-m", "pip", "check"]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const imported = run(python, [
      "-c",
      "import interop_demo, importlib.metadata as m; d = m.distribution('interop-demo'); print(interop_demo.X, d.version, d.read_text('INSTALLER').strip(), len(list(d.files)), [e.name for e in d.entry_points])",
    ]);
    assert.equal(imported.stdout.trim(), "42 1.0 omnipkg 10 ['interop-demo']", imported.stderr);
    assert.equal(run(join(env, "bin", "interop-demo"), []).stdout, "demo says 42\n");
    assert.equal(run(join(env, "bin", "interop-raw"), []).stdout, `raw on ${env}\n`);
    const removed = run(python, ["-m", "pip", "uninstall", "-y", "interop-demo"]);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(pipList()["interop-demo"], undefined);
    // Every file pip removed was a hard link or a written file; the store's copies are intact.
    assert.deepEqual(
      diffSnapshots(start, snapshotTree(env)).filter((d) => !d.includes("__pycache__")),
      [],
    );
    assert.deepEqual((await store.verify()).corrupted, []);
  });

  it("pip check reports a missing dependency declared in metadata omnipkg installed", async () => {
    await install({
      name: "needs-missing",
      version: "1.0",
      files: { "needs_missing.py": "" },
      requiresDist: ["definitely-not-installed>=2"],
    });
    const check = run(python, ["-m", "pip", "check"]);
    assert.notEqual(check.status, 0);
    assert.match(check.stdout, /needs-missing 1\.0 requires definitely-not-installed/i);
    assert.deepEqual(uninstall(scheme, ["needs-missing"]).removed, [
      { name: "needs-missing", version: "1.0" },
    ]);
  });

  it("lists, upgrades and uninstalls what pip installed, through pip's RECORD", async () => {
    const pipMade = buildWheel(
      {
        name: "pip-made",
        version: "1.0",
        files: { "pip_made/__init__.py": "V = 1\n", "pip_made/gone_in_2.py": "" },
        entryPoints: { console_scripts: { "pip-made": "pip_made:main" } },
      },
      root,
    );
    const r = run(python, ["-m", "pip", "install", "--no-deps", "--no-index", pipMade.path]);
    assert.equal(r.status, 0, r.stderr);
    const seen = listInstalled(scheme).find((d) => d.canonicalName === "pip-made");
    assert.ok(seen);
    assert.equal(seen.version, "1.0");
    assert.equal(seen.installer, "pip");
    assert.equal(seen.requested, true);
    assert.ok(listInstalled(scheme).some((d) => d.canonicalName === "pip" && d.installer === "pip"));

    await install({ name: "pip-made", version: "2.0", files: { "pip_made/__init__.py": "V = 2\n" } });
    assert.equal(pipList()["pip-made"], "2.0");
    assert.ok(!existsSync(join(scheme.purelib, "pip_made", "gone_in_2.py")));
    assert.ok(!existsSync(join(env, "bin", "pip-made")), "pip's launcher went with pip's RECORD");
    assert.equal(run(python, ["-c", "import pip_made; print(pip_made.V)"]).stdout.trim(), "2");
    uninstall(scheme, ["pip-made"]);
    assert.equal(pipList()["pip-made"], undefined);
    assert.ok(!existsSync(join(scheme.purelib, "pip_made")));
  });

  it("installs real wheels from the local mirror and imports them (rich and its dependencies)", async (t) => {
    const names = ["rich", "markdown-it-py", "mdurl", "pygments"];
    const wheels = names.map((n) => findMirrorWheel(python, n, /py3-none-any\.whl$/));
    if (wheels.some((w) => w === undefined)) {
      t.skip("no local package mirror with rich and its dependencies is configured for pip");
      return;
    }
    const manifests = [];
    for (const wheel of wheels) manifests.push(await store.importWheel(wheel!.path));
    installWheels(
      store,
      scheme,
      manifests.map((manifest, i) => ({ manifest, requested: i === 0 })),
    );
    const r = run(python, [
      "-c",
      "from rich.console import Console; c = Console(width=40, force_terminal=False); c.print('[bold]hi[/bold] from rich'); import pygments; print(pygments.__name__)",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "hi from rich\npygments\n");
    const check = run(python, ["-m", "pip", "check"]);
    assert.equal(check.status, 0, check.stdout);
    assert.equal(run(join(env, "bin", "pygmentize"), ["-V"]).status, 0);
  });
});
