import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { emptyConfig, writeConfig } from "../../src/core/config.ts";
import { findTestPythonsAtLeast, requirePythons, type TestPython } from "../helpers/pythons.ts";
import type { WorkerStatus } from "../../src/multiverse/pool.ts";
import { runCli, shipWorker, writeCliJson } from "../multiverse/fixture.ts";
import { buildExtension, installRuntime, makeVenv, writeBubble, writeDist, type Venv } from "./fixtures.ts";
import { tinyext } from "./tinyEnv.ts";

/**
 * loader(..., isolate=True): a process that imported tinyext 1.0.0 (a real C extension built here
 * with the machine's compiler) cannot activate 2.0.0 in-process (ExtensionConflict), but an isolated
 * function gets 2.0.0's answer from a warm worker of the same environment, which the first call
 * starts through the daemon. The home holds the oldest and the newest interpreter 3.8+, each with a
 * managed environment under envs/<version>, as adoption leaves them.
 */

interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** What an isolated function reports about the process it ran in (isomod.where). */
interface Where {
  version: string;
  metadata: string;
  pid: number;
  python: number[];
  prefix: string;
  tag?: string;
}

interface RemoteFailure {
  local_type: boolean;
  type: string;
}

/** main.py's report. */
interface Report {
  caller: Where;
  conflict: string[];
  client_before_call: boolean;
  first: Where;
  second: Where;
  second_tag_is_bytes: boolean;
  main: [string, number, string];
  call: [string, number];
  auto: Where;
  refused: RemoteFailure & { remote: boolean; text: string; tb: string };
  value_error: RemoteFailure;
  main_error: RemoteFailure;
  same_state: boolean;
  still_main: unknown[];
  lambda: [string, string];
  closure: [string, string];
  auto_lambda: [string, string];
  with: [string, string];
  missing: [string, string];
}

let root: string;
let homeEnv: NodeJS.ProcessEnv;
const envs = new Map<string, Venv>();

function pickPythons(): TestPython[] {
  requirePythons(1, 8);
  const all = findTestPythonsAtLeast(8);
  return all.length > 1 ? [all[all.length - 1]!, all[0]!] : [all[0]!];
}

function runPython(python: string, args: string[], cwd: string): Promise<PythonResult> {
  return new Promise((resolve) => {
    execFile(python, args, { env: homeEnv, cwd, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const isomod = `
import os, sys
import omnipkg


class Refused(Exception):
    pass


def where():
    import importlib.metadata as md
    import tinyext
    return {"version": tinyext.version(), "metadata": md.version("tinyext"), "pid": os.getpid(),
            "python": list(sys.version_info[:3]), "prefix": os.path.realpath(sys.prefix)}


@omnipkg.loader("tinyext==2.0.0", isolate=True)
def ext_version(tag):
    return dict(where(), tag=tag)


@omnipkg.loader("tinyext==2.0.0", isolate=True)
def refuse(message):
    raise Refused(message)


@omnipkg.loader("tinyext==2.0.0", isolate=True)
def bad_value():
    int("not a number")


@omnipkg.loader("tinyext==3.0.0", isolate="auto")
def auto_version():
    return where()


def plain(x):
    return [where()["version"], x]
`;

const mainScript = `
import json, os, sys
from importlib.machinery import PathFinder
import omnipkg
import tinyext  # 1.0.0 from main: its compiled extension is now loaded for good
import isomod


class MainError(Exception):
    pass


@omnipkg.loader("tinyext==3.0.0", isolate=True)
def from_main(n):
    return [isomod.where()["version"], n * 2, __name__]


@omnipkg.loader("tinyext==3.0.0", isolate=True)
def main_fails():
    raise MainError("from the script")


def make_closure():
    def closure():
        return 1
    return closure


def snapshot():
    return (list(sys.path), dict(sys.modules), list(sys.meta_path), dict(sys.path_importer_cache))


def same(a, b):
    return a[0] == b[0] and a[1].keys() == b[1].keys() and all(b[1][k] is m for k, m in a[1].items()) \\
        and a[2] == b[2] and a[3] == b[3]


def failure(fn, *args):
    try:
        fn(*args)
    except BaseException as error:
        return error
    raise AssertionError("no exception from %r" % (fn,))


if __name__ == "__main__":
    out = {"caller": isomod.where()}
    try:
        with omnipkg.loader("tinyext==2.0.0"):
            pass
    except omnipkg.ExtensionConflict as error:
        out["conflict"] = [error.name, error.loaded_version, error.requested_version]
    out["client_before_call"] = "omnipkg_worker.client" in sys.modules
    out["first"] = isomod.ext_version("a")
    before = snapshot()
    out["second"] = isomod.ext_version(b"\\x00bytes")
    out["second_tag_is_bytes"] = isinstance(out["second"].pop("tag"), bytes)
    out["main"] = from_main(21)
    out["call"] = omnipkg.loader("tinyext==2.0.0", isolate=True).call(isomod.plain, 5)
    out["auto"] = isomod.auto_version()

    error = failure(isomod.refuse, "no thanks")
    out["refused"] = {"local_type": isinstance(error, isomod.Refused), "remote": isinstance(error, omnipkg.RemoteError),
                      "type": error.remote_type, "text": str(error), "tb": error.remote_traceback}
    error = failure(isomod.bad_value)
    out["value_error"] = {"local_type": isinstance(error, ValueError), "type": error.remote_type}
    error = failure(main_fails)
    out["main_error"] = {"local_type": isinstance(error, MainError), "type": error.remote_type}
    out["same_state"] = same(before, snapshot())
    out["still_main"] = [tinyext.version(), sys.modules["tinyext"] is tinyext, omnipkg.loader.active()]

    error = failure(omnipkg.loader("tinyext==2.0.0", isolate=True), lambda: 1)
    out["lambda"] = [type(error).__name__, str(error)]
    error = failure(omnipkg.loader("tinyext==2.0.0", isolate=True), make_closure())
    out["closure"] = [type(error).__name__, str(error)]
    error = failure(omnipkg.loader("tinyext==2.0.0", isolate="auto").call, lambda: 1)
    out["auto_lambda"] = [type(error).__name__, type(error.__cause__).__name__]
    error = failure(omnipkg.loader("tinyext==2.0.0", isolate=True).__enter__)
    out["with"] = [type(error).__name__, str(error)]
    error = failure(omnipkg.loader("tinyext==9.9", isolate=True).call, isomod.plain, 1)
    out["missing"] = [type(error).__name__, getattr(error, "command", "")]
    print(json.dumps(out))
`;

const moduleMain = `
import json, time
import omnipkg
import tinyext
import isomod


@omnipkg.loader("tinyext==2.0.0", isolate=True)
def version_via_m():
    return [isomod.where()["version"], __name__]


@omnipkg.loader("tinyext==2.0.0", isolate=True, timeout=0.5)
def too_slow():
    time.sleep(60)


if __name__ == "__main__":
    out = {"m": version_via_m()}
    started = time.monotonic()
    try:
        too_slow()
    except Exception as error:
        out["timeout"] = [type(error).__name__, getattr(error, "code", None), time.monotonic() - started < 30]
    print(json.dumps(out))
`;

before(() => {
  const pythons = pickPythons();
  // Directly under /tmp with a short name: the daemon's socket path must fit in 108 bytes.
  root = mkdtempSync(join(tmpdir(), "iso-"));
  const config = emptyConfig();
  for (const python of pythons) {
    const venv = makeVenv(python.path, join(root, "envs", python.version));
    installRuntime(venv.site);
    shipWorker(venv.dir, venv.minor);
    writeCliJson(venv.site, root);
    const work = join(root, "cc", python.version);
    mkdirSync(work, { recursive: true });
    writeDist(venv.site, tinyext("1.0.0", buildExtension(venv, "1.0.0", work), venv.extSuffix));
    for (const version of ["2.0.0", "3.0.0"]) {
      const dist = tinyext(version, buildExtension(venv, version, work), venv.extSuffix);
      writeBubble(venv, dist, [{ dist, location: "bubble" }]);
    }
    config.interpreters[python.version] = {
      id: python.version,
      implementation: "cpython",
      version: python.version,
      path: python.path,
      source: "pyenv",
      envDir: venv.dir,
      adoptedAt: new Date().toISOString(),
    };
    envs.set(python.version, venv);
  }
  config.activePython = pythons[0]!.version;
  writeConfig(join(root, "config.toml"), config);
  mkdirSync(join(root, "app"));
  writeFileSync(join(root, "app", "isomod.py"), isomod);
  writeFileSync(join(root, "app", "main.py"), mainScript);
  writeFileSync(join(root, "app", "isomain_m.py"), moduleMain);
  homeEnv = { ...process.env, OMNIPKG_HOME: root, NO_COLOR: "1" };
  delete homeEnv.XDG_RUNTIME_DIR; // the daemon's folder is <home>/run, private to this test
  delete homeEnv.PYTHONPATH;
});

after(async () => {
  if (!root) return;
  const stopped = await runCli(["daemon", "stop"], homeEnv);
  const status = await runCli(["daemon", "status", "--json"], homeEnv);
  rmSync(root, { recursive: true, force: true });
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal((JSON.parse(status.stdout) as { running: boolean }).running, false);
});

describe("loader(..., isolate=True)", () => {
  test("import omnipkg and decorating load no worker client; 'auto' without a conflict runs here", async () => {
    const [venv] = [...envs.values()];
    const script = join(root, "app", "light.py");
    writeFileSync(
      script,
      [
        "import sys, omnipkg",
        "light = 'omnipkg._isolate' not in sys.modules and 'omnipkg_worker' not in sys.modules",
        "@omnipkg.loader('tinyext==2.0.0', isolate=True)",
        "def f():",
        "    pass",
        "@omnipkg.loader('tinyext==2.0.0', isolate='auto')",
        "def here():",
        "    import os, tinyext",
        "    return tinyext.version(), os.getpid()",
        "import os",
        "in_process = here() == ('2.0.0', os.getpid()) and 'tinyext' not in sys.modules",
        "print(light, 'omnipkg_worker.client' in sys.modules, 'socket' in sys.modules, in_process)",
      ].join("\n"),
    );
    const result = await runPython(venv!.python, [script], root);
    assert.equal(result.code, 0, result.stderr);
    // isolate="auto" with nothing in the way activates here, and needs no worker either.
    assert.equal(result.stdout.trim(), "True False False True");
  });

  test("a function of python -c cannot be sent, and the error says why", async () => {
    const [venv] = [...envs.values()];
    const code = "import omnipkg\n@omnipkg.loader('tinyext==2.0.0', isolate=True)\ndef f():\n    pass\n";
    const result = await runPython(venv!.python, ["-c", code], root);
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /TypeError: loader\(\.\.\., isolate=True\) cannot run f in a worker: it belongs to __main__, which has no script file/,
    );
  });

  for (const python of pickPythons()) {
    test(`Python ${python.version}: ExtensionConflict in-process, the other version's answer from a worker`, async () => {
      const env = envs.get(python.version)!;
      const result = await runPython(env.python, [join(root, "app", "main.py")], join(root, "app"));
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      const out = JSON.parse(result.stdout) as Report;
      const prefix = out.caller.prefix;
      assert.equal(out.caller.version, "1.0.0");
      assert.deepEqual(out.conflict, ["tinyext", "1.0.0", "2.0.0"]);
      assert.equal(out.client_before_call, false);
      // The worker: another process, the same interpreter and environment, with 2.0.0 active.
      for (const answer of [out.first, out.second]) {
        assert.equal(answer.version, "2.0.0");
        assert.equal(answer.metadata, "2.0.0");
        assert.notEqual(answer.pid, out.caller.pid);
        assert.deepEqual(answer.python, out.caller.python);
        assert.equal(answer.prefix, prefix);
      }
      assert.equal(out.first.tag, "a");
      assert.equal(out.second_tag_is_bytes, true);
      assert.equal(out.second.pid, out.first.pid, "the second call reuses the warm worker");
      // A function of the main script: the worker loads the script as a module, not as __main__.
      assert.equal(out.main[0], "3.0.0");
      assert.equal(out.main[1], 42);
      assert.match(out.main[2], /^__omnipkg_main_[0-9a-f]{12}__$/);
      assert.deepEqual(out.call, ["2.0.0", 5]);
      // isolate="auto": 3.0.0 conflicts with the loaded 1.0.0 too, so it ran in a worker.
      assert.equal(out.auto.version, "3.0.0");
      assert.notEqual(out.auto.pid, out.caller.pid);
      // Exceptions come back as the remote type: the local class when this process has it.
      assert.deepEqual(
        [out.refused.local_type, out.refused.remote, out.refused.type],
        [true, true, "isomod.Refused"],
      );
      assert.match(out.refused.text, /^isomod\.Refused: no thanks \(raised in Python/);
      assert.match(out.refused.tb, /in refuse\n\s+raise Refused\(message\)/);
      assert.deepEqual(out.value_error, { local_type: true, type: "ValueError" });
      assert.equal(out.main_error.local_type, true);
      assert.match(out.main_error.type, /^__omnipkg_main_[0-9a-f]{12}__\.MainError$/);
      // Nothing in this process moved: sys.path, sys.modules, meta_path, importer cache, blocks.
      assert.equal(out.same_state, true);
      assert.deepEqual(out.still_main, ["1.0.0", true, []]);
      // What cannot be isolated says why.
      assert.equal(out.lambda[0], "TypeError");
      assert.match(out.lambda[1], /it is a lambda/);
      assert.match(out.closure[1], /defined inside another function \(make_closure\.<locals>\.closure\)/);
      assert.deepEqual(out.auto_lambda, ["TypeError", "ExtensionConflict"]);
      assert.equal(out.with[0], "TypeError");
      assert.match(
        out.with[1],
        /cannot be used as a `with` block: a block of code cannot move to another process/,
      );
      assert.equal(out.missing[0], "NotInstalled");
      assert.match(out.missing[1], /install .*tinyext==9\.9/);
      // The first call started the daemon; its pool keeps that worker, keyed by the bubble specs.
      const status = await runCli(["daemon", "status", "--json"], homeEnv);
      assert.equal(status.code, 0, status.stderr);
      const workers = (JSON.parse(status.stdout) as { workers: WorkerStatus[] }).workers;
      const worker = workers.find((w) => w.pid === out.first.pid);
      assert.ok(worker, `worker ${out.first.pid} not in ${status.stdout}`);
      assert.equal(worker.version, python.version);
      assert.deepEqual(worker.bubbles, ["tinyext==2.0.0"]);

      // python -m: the worker imports the module by its name (its __main__ block does not run
      // there), and timeout= bounds each call: the hung worker is killed, the caller told why.
      const viaM = await runPython(env.python, ["-m", "isomain_m"], join(root, "app"));
      assert.equal(viaM.code, 0, `${viaM.stdout}\n${viaM.stderr}`);
      assert.deepEqual(JSON.parse(viaM.stdout), {
        m: ["2.0.0", "isomain_m"],
        timeout: ["DaemonError", "WORKER_TIMEOUT", true],
      });
    });
  }
});
