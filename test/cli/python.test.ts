import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { findTestPythons, requirePythons, type TestPython } from "../helpers/pythons.ts";
import {
  activeLinkId,
  prepareCli,
  BIN,
  configActive,
  homeState,
  makeTempDir,
  python2,
  removeDir,
  REPO,
  runCli,
} from "../python/cliHarness.ts";

/**
 * adopt / list / which / swap / status / doctor / remove through the real CLI, on one shared home
 * (each managed venv with pip costs seconds, so the file adopts exactly two interpreters).
 */

interface Row {
  id: string;
  version: string;
  implementation: string;
  source: string;
  interpreter: string;
  env: string | null;
  adopted: boolean;
  active: boolean;
}

describe("python adopt, list, swap, which, status, remove", () => {
  let dir: string;
  let home: string;
  let defaultId: string;
  let other: TestPython;

  before(() => {
    prepareCli();
    requirePythons(2);
    dir = makeTempDir("cli-python");
    home = join(dir, "home");
  });
  after(() => removeDir(dir));

  test("first use adopts the default python3 and makes it active", () => {
    const r = runCli(["list", "python", "--json"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /adopting the default python3/);
    const rows = JSON.parse(r.stdout) as Row[];
    const adopted = rows.filter((row) => row.adopted);
    assert.equal(adopted.length, 1);
    const active = adopted[0]!;
    assert.ok(active.active);
    defaultId = active.id;
    assert.equal(activeLinkId(home), defaultId);
    assert.equal(configActive(home), defaultId);
    // Not adopted ones are listed too, with their source and no environment.
    assert.ok(rows.some((row) => !row.adopted && row.env === null && row.source.length > 0));
    // The managed env has the shims and omnipkg's runtime files.
    const env = active.env!;
    for (const name of ["python", "python3", "pip", "pip3"])
      assert.ok(existsSync(join(env, "bin", name)), name);
    const site = readFileSync(join(env, "pyvenv.cfg"), "utf8");
    assert.match(site, /home = /);
    other = findTestPythons().find((p) => p.version !== active.version)!;
  });

  test("adopt X.Y picks the newest X.Y.z found; adopting again changes nothing", () => {
    const newest = findTestPythons().find((p) => p.minor === other.minor)!;
    const r = runCli(["python", "adopt", other.minor], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Adopted Python ${newest.version.replace(/\./g, "\\.")} `));
    assert.equal(activeLinkId(home), defaultId, "adopting does not switch");
    const cfg = join(home, "envs", newest.version, "pyvenv.cfg");
    const before = statSync(cfg).mtimeMs;
    const again = runCli(["python", "adopt", newest.version], { home });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Already adopted Python/);
    assert.equal(statSync(cfg).mtimeMs, before, "the environment was not recreated");
    const sitePackages = join(home, "envs", newest.version, "lib", `python${newest.minor}`, "site-packages");
    const cli = JSON.parse(readFileSync(join(sitePackages, "omnipkg", "_cli.json"), "utf8")) as Record<
      string,
      string
    >;
    assert.deepEqual(cli, { node: process.execPath, bin: BIN });
    // Every file of the runtime package is shipped next to _cli.json.
    const shipped = new Set(readdirSync(join(sitePackages, "omnipkg")));
    for (const name of readdirSync(join(REPO, "src", "runtime", "omnipkg"))) {
      if (name !== "__pycache__") assert.ok(shipped.has(name), `${name} was not shipped`);
    }
    const pth = readFileSync(join(sitePackages, "_omnipkg_pin.pth"), "utf8");
    assert.match(pth, /^import [^\n]*_omnipkg_pin[^\n]*\n$/, "one import line");
    const tag = `cpython-${newest.minor.replace(".", "")}`;
    assert.ok(
      existsSync(join(sitePackages, "__pycache__", `_omnipkg_pin.${tag}.pyc`)),
      "the pin is precompiled",
    );
  });

  test("a repeated list python spawns no Python", () => {
    runCli(["list", "python"], { home });
    const r = runCli(["list", "python"], { home, env: { OMNIPKG_DEBUG: "python" } });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /probing/);
    assert.match(r.stdout, new RegExp(`^\\*\\s+${defaultId.replace(/\./g, "\\.")}\\s`, "m"));
  });

  test("an unknown version fails with the versions found, and changes nothing", () => {
    const state = homeState(home);
    const r = runCli(["python", "adopt", "3.99"], { home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No Python interpreter matches "3\.99"; found: .*\d+\.\d+\.\d+/);
    assert.ok(r.stderr.includes(other.version), r.stderr);
    assert.equal(homeState(home), state);
  });

  test("a path that is not a Python, and Python 2, are refused in one sentence", () => {
    const state = homeState(home);
    const text = join(dir, "notes.txt");
    writeFileSync(text, "not a python\n");
    const r = runCli(["python", "adopt", text], { home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not a usable Python interpreter/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    const py2 = runCli(["python", "adopt", python2(dir)], { home });
    assert.equal(py2.code, 1);
    assert.match(py2.stderr, /is Python 2.*which omnipkg does not support/);
    assert.equal(homeState(home), state);
  });

  test("swap switches config and link together; python switch is an alias; which names the interpreter", () => {
    const r = runCli(["swap", "python", other.minor], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Switched to Python ${other.version}\n`);
    assert.equal(activeLinkId(home), other.version);
    assert.equal(configActive(home), other.version);
    const which = runCli(["python", "which"], { home });
    assert.equal(which.stdout.trim(), realpathSync(other.path), which.stderr);
    const back = runCli(["python", "switch", defaultId], { home });
    assert.equal(back.stdout, `Switched to Python ${defaultId}\n`);
    assert.equal(activeLinkId(home), defaultId);
    const notAdopted = runCli(["swap", "python", "3.99"], { home });
    assert.equal(notAdopted.code, 1);
    assert.match(notAdopted.stderr, /Python 3\.99 is not adopted; adopted versions: /);
  });

  test("swap without a version and without a TTY exits 2 naming the adopted versions", () => {
    const state = homeState(home);
    const r = runCli(["swap", "python"], { home });
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(defaultId) && r.stderr.includes(other.version), r.stderr);
    assert.equal(homeState(home), state);
  });

  test("swap --from-file uses .python-version from a parent folder; status reports it", () => {
    const project = join(dir, "project");
    const deep = join(project, "src", "pkg");
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(project, ".python-version"), `${other.minor}\n`);
    const r = runCli(["swap", "python", "--from-file"], { home, cwd: deep });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Switched to Python ${other.version}\n`);
    const shims = join(home, "active", "bin");
    const s = runCli(["status", "--json"], {
      home,
      cwd: deep,
      env: { PATH: `${shims}:${process.env.PATH}` },
    });
    assert.equal(s.code, 0, s.stderr);
    const status = JSON.parse(s.stdout);
    assert.equal(status.home, home);
    assert.equal(status.kbBackend, "sqlite");
    assert.equal(status.active.version, other.version);
    assert.equal(status.shims.leads, true);
    assert.deepEqual(status.pythonVersionFile, {
      path: join(project, ".python-version"),
      request: other.minor,
    });
    const notLeading = JSON.parse(runCli(["status", "--json"], { home, cwd: dir }).stdout);
    assert.equal(notLeading.shims.leads, false);
    assert.equal(notLeading.pythonVersionFile, null);
  });

  test("doctor passes on a healthy home; swap of a package that is not installed fails clearly", () => {
    const shims = join(home, "active", "bin");
    const d = runCli(["doctor"], { home, env: { PATH: `${shims}:${process.env.PATH}` } });
    assert.equal(d.code, 0, d.stdout + d.stderr);
    assert.match(d.stdout, /No problems found/);
    const swap = runCli(["swap", "no-such-pkg==1.0"], { home });
    assert.equal(swap.code, 1, swap.stderr);
    assert.match(swap.stderr, /no-such-pkg/);
    const bad = runCli(["swap", "3.9"], { home });
    assert.equal(bad.code, 2, "a version without `python` is bad usage");
  });

  test("rescan restores omnipkg's files in every environment and deletes folders nothing registers", () => {
    const activeEnv = join(home, "envs", activeLinkId(home)!);
    const cliJson = readdirSync(join(activeEnv, "lib"))
      .map((name) => join(activeEnv, "lib", name, "site-packages", "omnipkg", "_cli.json"))
      .find((path) => existsSync(path))!;
    rmSync(cliJson);
    const orphan = join(home, "envs", "3.0.0");
    mkdirSync(join(orphan, "bin"), { recursive: true });
    const doctor = runCli(["doctor"], { home });
    assert.match(doctor.stdout, /belongs to no adopted interpreter.*\n\s+fix: omnipkg python rescan/);
    const r = runCli(["python", "rescan", "--json"], { home });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as {
      refreshed: string[];
      removedOrphans: string[];
      found: unknown[];
    };
    assert.equal(result.refreshed.length, 2);
    assert.deepEqual(result.removedOrphans, [orphan]);
    assert.ok(result.found.length >= 2);
    assert.ok(existsSync(cliJson), "_cli.json is back");
    assert.ok(!existsSync(orphan));
  });

  test("remove refuses the active interpreter and deletes only omnipkg's environment of another", () => {
    const active = activeLinkId(home)!;
    const refused = runCli(["python", "remove", active], { home });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is the active interpreter/);
    const victim = active === defaultId ? other.version : defaultId;
    const interpreter = JSON.parse(runCli(["python", "which", victim, "--json"], { home }).stdout)
      .interpreter as string;
    const r = runCli(["python", "remove", victim], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(home, "envs", victim)));
    assert.ok(existsSync(interpreter), "the interpreter itself is untouched");
    assert.doesNotMatch(
      readFileSync(join(home, "config.toml"), "utf8"),
      new RegExp(`"${victim.replace(/\./g, "\\.")}"`),
    );
  });
});
