import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readConfig } from "../../src/core/config.ts";
import { requirePythons, type TestPython } from "../helpers/pythons.ts";
import {
  activeLinkId,
  prepareCli,
  BIN,
  cliEnv,
  configActive,
  makeTempDir,
  removeDir,
  runCli,
  runCliAsync,
} from "../python/cliHarness.ts";

/**
 * Swapping under real conditions: a real bash with the shell-init eval'd, a long-running process
 * started through the shim, twenty concurrent swaps, and swaps killed with SIGKILL at random points.
 */
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe("python swap in a real shell, under concurrency and under kill -9", () => {
  let dir: string;
  let home: string;
  let a: TestPython;
  let b: TestPython;

  before(() => {
    prepareCli();
    [a, b] = requirePythons(2) as [TestPython, TestPython];
    dir = makeTempDir("cli-swap");
    home = join(dir, "home");
    for (const p of [a, b]) {
      const r = runCli(["python", "adopt", p.version], { home });
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(activeLinkId(home), a.version);
  });
  after(() => removeDir(dir));

  test("bash: after one eval of shell-init, a swap changes the very next `python --version`", () => {
    const script = [
      `omnipkg() { "${process.execPath}" "${BIN}" "$@"; }`,
      'eval "$(omnipkg shell-init bash)"',
      "python --version",
      `omnipkg swap python ${b.version}`,
      "python --version",
      "pip --version | cut -d' ' -f1,2 >/dev/null",
      `omnipkg swap python ${a.version}`,
      "python3 --version",
    ].join("\n");
    const out = execFileSync("bash", ["-c", script], { env: cliEnv(home), encoding: "utf8" });
    assert.equal(
      out,
      `Python ${a.version}\nSwitched to Python ${b.version}\nPython ${b.version}\nSwitched to Python ${a.version}\nPython ${a.version}\n`,
    );
  });

  test(
    "on a terminal, swap without a version opens a menu (driven through a real pty)",
    { skip: !hasScript && "util-linux `script` is not installed" },
    async () => {
      assert.equal(runCli(["swap", "python", a.version], { home }).code, 0);
      const child = spawn(
        "script",
        ["-qec", `stty cols 120 rows 40; "${process.execPath}" "${BIN}" swap python`, "/dev/null"],
        {
          env: { ...cliEnv(home), TERM: "xterm" },
          stdio: ["pipe", "pipe", "pipe"],
        },
      );
      const closed = new Promise<number | null>((done) => child.on("close", done));
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      try {
        for (let waited = 0; !out.includes("Switch to which Python?"); waited += 20) {
          assert.ok(waited < 20_000, `no menu appeared: ${JSON.stringify(out)}`);
          await sleep(20);
        }
        // The menu starts on the active version; one step down is the other one (newest first).
        child.stdin.write("\x1b[B");
        await sleep(200);
        child.stdin.write("\r");
        assert.equal(await closed, 0, out);
      } finally {
        child.kill("SIGKILL");
      }
      assert.match(out, new RegExp(`Switched to Python ${b.version.replace(/\./g, "\\.")}`));
      assert.equal(activeLinkId(home), b.version);
      assert.equal(runCli(["swap", "python", a.version], { home }).code, 0);
    },
  );

  test("a process started through the shim keeps its own site-packages after a swap", async () => {
    const shim = join(home, "active", "bin", "python");
    const code = [
      "import sys",
      "print(sys.prefix)",
      "sys.stdout.flush()",
      "sys.stdin.readline()",
      "import pip",
      "print(pip.__file__)",
      "print(any('/active/' in p for p in sys.path))",
    ].join("\n");
    const child = spawn(shim, ["-c", code], { stdio: ["pipe", "pipe", "inherit"] });
    const closed = new Promise((done) => child.on("close", done));
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    try {
      for (let waited = 0; !out.includes("\n"); waited += 10) {
        assert.ok(waited < 20_000, "the child never printed its prefix");
        await sleep(10);
      }
      assert.equal(out.trim(), join(home, "envs", a.version), "sys.prefix is the real environment");
      const swap = runCli(["swap", "python", b.version], { home });
      assert.equal(swap.code, 0, swap.stderr);
      child.stdin.end("go\n");
      await closed;
    } finally {
      child.kill("SIGKILL");
    }
    const [, pipFile, underLink] = out.trim().split("\n");
    assert.ok(pipFile!.startsWith(join(home, "envs", a.version) + "/"), pipFile);
    assert.equal(underLink, "False");
    assert.equal(runCli(["swap", "python", a.version], { home }).code, 0);
  });

  test("twenty concurrent swaps leave config and the active link agreeing", async () => {
    const runs = Array.from({ length: 20 }, (_, i) =>
      runCliAsync(["swap", "python", i % 2 === 0 ? a.version : b.version], { home }),
    );
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const link = activeLinkId(home);
    assert.ok(link === a.version || link === b.version);
    assert.equal(configActive(home), link);
    assert.deepEqual(readdirSync(join(home, "locks")), [], "no lock left behind");
  });

  test("a swap killed at random points leaves the old or the new state, and the next command settles it", async (t) => {
    const versions = [a.version, b.version];
    let interruptedBetween = 0;
    let landed = 0;
    for (let i = 0; i < 20; i++) {
      const before = activeLinkId(home);
      const target = versions[i % 2]!;
      const child = spawn(process.execPath, [BIN, "swap", "python", target], {
        env: cliEnv(home),
        stdio: "ignore",
      });
      const closed = new Promise((done) => child.on("close", done));
      // Node starts in ~25-60 ms here; the swap itself happens in the last few ms of the run.
      await sleep(20 + Math.floor(Math.random() * 100));
      child.kill("SIGKILL");
      await closed;
      const link = activeLinkId(home);
      assert.ok(link !== undefined && versions.includes(link), `link points at ${link}`);
      const config = readConfig(join(home, "config.toml"));
      assert.ok(versions.includes(config.activePython!), "config parses and names an adopted version");
      assert.equal(Object.keys(config.interpreters).length, 2);
      // The link is the commit point: the only allowed disagreement is a new link with the old config.
      if (config.activePython !== link) {
        assert.equal(link, target);
        interruptedBetween++;
      }
      if (link !== before) landed++;
    }
    t.diagnostic(
      `${landed} of 20 killed swaps had switched the link; ${interruptedBetween} died between link and config`,
    );
    // A stale lock from a killed swap is taken over, stray temp links are swept, config follows the link.
    const final = runCli(["swap", "python", a.version], { home });
    assert.equal(final.code, 0, final.stderr);
    assert.equal(activeLinkId(home), a.version);
    assert.equal(configActive(home), a.version);
    assert.deepEqual(
      readdirSync(home).filter((n) => n.endsWith(".tmp")),
      [],
      `no temp files left (${interruptedBetween} kills landed between link and config)`,
    );
  });
});
