import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { requirePythons } from "../helpers/pythons.ts";
import { probeInterpreter } from "../../src/python/probe.ts";
import {
  prepareCli,
  BIN,
  cliEnv,
  homeState,
  makeTempDir,
  removeDir,
  runCli,
  REPO,
} from "../python/cliHarness.ts";

/**
 * Faults, each through the real CLI: one sentence, exit 1 or 2, nothing changed on disk. The home
 * adopts a *copy* of a real interpreter, so the test can delete it afterwards ("removed
 * interpreter") without touching the machine's Pythons.
 */

const hasSetpriv = spawnSync("setpriv", ["--version"]).status === 0;

describe("python faults", () => {
  let dir: string;
  let home: string;
  let copy: string;
  let id: string;

  before(() => {
    prepareCli();
    const [py] = requirePythons(1);
    dir = makeTempDir("cli-faults");
    // Readable by everyone, so the `nobody` test below can read but not write.
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "interp", "bin"), { recursive: true });
    copy = join(dir, "interp", "bin", `python${py!.minor}`);
    copyFileSync(realpathSync(py!.path), copy);
    chmodSync(copy, 0o755);
    home = join(dir, "home");
    const r = runCli(["python", "adopt", copy, "--json"], { home });
    assert.equal(r.code, 0, r.stderr);
    id = (JSON.parse(r.stdout) as { record: { id: string } }).record.id;
    assert.equal(id, py!.version);
  });
  after(() => removeDir(dir));

  test("a damaged knowledge base is reported with its hint and left alone; swap never opens it", () => {
    const kb = join(home, "kb.sqlite");
    const saved = readFileSync(kb);
    try {
      writeFileSync(kb, "this is not an sqlite file, it is garbage ".repeat(200));
      const garbage = readFileSync(kb);
      const r = runCli(["list", "python"], { home });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /knowledge base .* is damaged/);
      assert.match(r.stderr, /hint: /);
      assert.deepEqual(readFileSync(kb), garbage, "the damaged file was not overwritten");
      const swap = runCli(["swap", "python", id], { home });
      assert.equal(swap.code, 0, swap.stderr);
    } finally {
      writeFileSync(kb, saved);
      for (const suffix of ["-wal", "-shm"]) rmSync(kb + suffix, { force: true });
    }
  });

  test(
    "no write permission on the home (run as nobody): one sentence, exit 1, nothing changed",
    { skip: !hasSetpriv && "setpriv is not installed" },
    () => {
      chmodSync(home, 0o755);
      const state = homeState(home);
      for (const args of [
        ["swap", "python", id],
        ["python", "adopt", copy],
        ["python", "remove", id],
      ]) {
        const r = spawnSync(
          "setpriv",
          ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, ...args],
          { cwd: dir, env: { ...cliEnv(home), HOME: dir }, encoding: "utf8" },
        );
        assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, /^error: Cannot write to the omnipkg home .* \(EACCES\)\.\n/);
        assert.match(r.stderr, /hint: Set OMNIPKG_HOME/);
      }
      assert.equal(homeState(home), state);
    },
  );

  test("a home path under a regular file (ENOTDIR) fails in one sentence and creates nothing", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const bad = join(file, "home");
    for (const args of [
      ["python", "adopt", copy],
      ["swap", "python", id],
      ["list", "python"],
    ]) {
      const r = runCli(args, { home: bad });
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /Cannot write to the omnipkg home .* \(ENOTDIR\)/);
    }
    assert.equal(readFileSync(file, "utf8"), "x");
  });

  test("a corrupted config: clear message and doctor hint, never overwritten", () => {
    const other = join(dir, "corrupt-home");
    mkdirSync(other);
    const config = join(other, "config.toml");
    for (const text of [
      'active_python = "3.9\n[interpreters\n',
      'active_python = "9.9.9"\n[interpreters]\n',
    ]) {
      writeFileSync(config, text);
      for (const args of [
        ["swap", "python", "3"],
        ["python", "adopt", copy],
        ["list", "python"],
        ["python", "which"],
      ]) {
        const r = runCli(args, { home: other });
        assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, /^error: The config file .*config\.toml is not valid: /);
        assert.match(r.stderr, /hint: Run `omnipkg doctor`/);
      }
      assert.equal(readFileSync(config, "utf8"), text);
      assert.ok(!existsSync(join(other, "envs")), "no environment was created");
      const d = runCli(["doctor"], { home: other });
      assert.equal(d.code, 1);
      assert.match(d.stdout, /error config: The config file/);
      assert.match(d.stdout, /fix: edit .*config\.toml to fix it, or move it aside/);
    }
  });

  test("a venv creation that fails half-way is rolled back: no folder, no registration", async () => {
    // An interpreter that answers the probe like a real one (its real facts) but whose `-m venv`
    // leaves a half-made environment and fails, like a missing ensurepip does.
    const [py] = requirePythons(1);
    const facts = (await probeInterpreter(py!.path)) as unknown as Record<string, unknown>;
    const fake = join(dir, "fake", "bin", "python3");
    mkdirSync(join(fake, ".."), { recursive: true });
    const answer = JSON.stringify({ ...facts, version: "3.99.1", executable: fake, real_executable: fake });
    writeFileSync(
      fake,
      [
        "#!/bin/sh",
        'case "$*" in',
        `  *probe.py*) printf '%s\\n' '${answer}' ;;`,
        '  *"-m venv"*) for last; do :; done; mkdir -p "$last/bin"; touch "$last/pyvenv.cfg"; echo "Error: ensurepip failed" >&2; exit 1 ;;',
        "esac",
      ].join("\n") + "\n",
    );
    chmodSync(fake, 0o755);
    const state = homeState(home);
    const r = runCli(["python", "adopt", fake], { home });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Could not create a virtual environment with .*python3: Error: ensurepip failed/);
    assert.ok(!existsSync(join(home, "envs", "3.99.1")), "the half-made environment is gone");
    assert.equal(homeState(home), state);
  });

  test("a removed interpreter: swap and which refuse, list marks it, doctor says how to fix", () => {
    rmSync(copy);
    const state = homeState(home);
    const swap = runCli(["swap", "python", id], { home });
    assert.equal(swap.code, 1);
    assert.match(
      swap.stderr,
      new RegExp(`The interpreter of Python ${id.replace(/\./g, "\\.")} \\(.*\\) no longer exists\\.`),
    );
    assert.match(swap.stderr, /hint: Run `omnipkg python remove/);
    const which = runCli(["python", "which", id], { home });
    assert.equal(which.code, 1);
    const list = runCli(["list", "python", "--json"], { home });
    assert.equal(list.code, 0, list.stderr);
    const row = (JSON.parse(list.stdout) as { id: string; present: boolean }[]).find((x) => x.id === id);
    assert.equal(row?.present, false);
    const d = runCli(["doctor"], { home, cwd: REPO });
    assert.equal(d.code, 1);
    assert.match(
      d.stdout,
      /is gone\.\n\s+fix: omnipkg python adopt <VERSION> && omnipkg swap python <VERSION> && omnipkg python remove/,
    );
    assert.equal(homeState(home), state);
  });
});
