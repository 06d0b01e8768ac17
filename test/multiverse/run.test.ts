import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliMain, makeHome, runCli, writePythonFixtures, type TestHome } from "./fixture.ts";
import type { MultiverseResult } from "../../src/multiverse/index.ts";

let home: TestHome;

before(() => {
  home = makeHome(3);
  writePythonFixtures(join(home.root, "py"));
  home.env.PYTHONPATH = join(home.root, "py");
});

after(() => home.cleanup());

describe("omnipkg run", () => {
  test("passes the child's exit code and arguments through, on the managed environment", async () => {
    const oldest = home.pythons[2]!;
    const code =
      "import json, sys; print(json.dumps([sys.prefix, sys.argv[1:], '%d.%d' % sys.version_info[:2]])); sys.exit(7)";
    const result = await runCli(
      ["run", "--python", oldest.minor, "-c", code, "a", "--python", "-x"],
      home.env,
    );
    assert.equal(result.code, 7, result.stderr);
    const [prefix, argv, minor] = JSON.parse(result.stdout) as [string, string[], string];
    assert.equal(prefix, join(home.root, "envs", oldest.version));
    assert.deepEqual(argv, ["a", "--python", "-x"]);
    assert.equal(minor, oldest.minor);
  });

  test("runs a script (its folder first on sys.path) and -m module, on the active interpreter by default", async () => {
    const script = join(home.root, "py", "script.py");
    writeFileSync(script, "import sys, mvfix\nprint(sys.path[0], mvfix.version(), sys.argv[1:])\n");
    const viaScript = await runCli(["run", script, "one"], home.env);
    assert.equal(viaScript.code, 0, viaScript.stderr);
    assert.equal(viaScript.stdout.trim(), `${join(home.root, "py")} ${home.pythons[0]!.minor} ['one']`);
    const viaModule = await runCli(
      ["run", "--python", home.pythons[1]!.version, "-m", "json.tool", "--compact"],
      home.env,
      '{"a": [1, 2]}',
    );
    assert.equal(viaModule.code, 0, viaModule.stderr);
    assert.equal(viaModule.stdout.trim(), '{"a":[1,2]}');
  });

  test("a child killed by a signal kills omnipkg with the same signal", async () => {
    const result = await runCli(
      ["run", "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"],
      home.env,
    );
    assert.equal(result.code, null);
    assert.equal(result.signal, "SIGTERM");
  });

  test("SIGTERM sent to omnipkg reaches the child, whose exit code comes back", async () => {
    const { spawn } = await import("node:child_process");
    const code = [
      "import signal, sys, time",
      "signal.signal(signal.SIGTERM, lambda *_: sys.exit(5))",
      "print('ready', flush=True)",
      "time.sleep(30)",
    ].join("\n");
    const child = spawn(process.execPath, ["--import", "tsx", cliMain, "run", "-c", code], { env: home.env });
    let stdout = "";
    let sent = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("ready") && !sent) sent = child.kill("SIGTERM");
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on("close", (c, sig) => resolve([c, sig])),
    );
    assert.deepEqual([exitCode, signal], [5, null], `stdout: ${stdout}\nstderr: ${stderr}`);
  });

  test("--with enters omnipkg.loader(*specs) before the target, and its failure is the child's", async () => {
    const code = "import os; print(os.environ['OMNIPKG_TEST_BUBBLES'])";
    const ok = await runCli(["run", "--with", "rich==13.4.2", "--with", "six<2", "-c", code], home.env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), "rich==13.4.2,six<2");
    const bad = await runCli(["run", "--with", "missing==1", "-c", "print('never')"], home.env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /LookupError: no bubble for missing==1/);
    assert.equal(bad.stdout, "");
  });

  test("bad usage and unknown interpreters are reported without running anything", async () => {
    const none = await runCli(["run"], home.env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Say what to run/);
    const unknown = await runCli(["run", "--python", "2.5", "-c", "pass"], home.env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No adopted interpreter matches "2\.5"/);
  });
});

describe("omnipkg multiverse", () => {
  test("runs on every interpreter, prints a table with logs, and exits 1 when one fails", async () => {
    const failing = home.pythons[1]!;
    const [major, minor] = failing.minor.split(".");
    const code = `import sys\nprint('hello from %d.%d' % sys.version_info[:2])\nsys.exit(3 if sys.version_info[:2] == (${major}, ${minor}) else 0)`;
    const result = await runCli(
      ["multiverse", "--python", "all", "--parallel", "3", "--", "-c", code],
      home.env,
    );
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.trim().split("\n");
    assert.match(lines[0]!, /^PYTHON\s+EXIT\s+TIME\s+LAST LINE\s+LOG$/);
    const byVersion = home.pythons; // oldest first, as the table sorts them
    byVersion.forEach((p, i) => {
      const row = lines[i + 1]!;
      assert.ok(row.startsWith(p.version), row);
      assert.match(
        row,
        new RegExp(
          `\\s${p === failing ? 3 : 0}\\s+\\d+(ms|\\.\\d+s)\\s+hello from ${p.minor.replace(".", "\\.")}\\s`,
        ),
      );
      const log = row.split(/\s+/).at(-1)!;
      assert.ok(log.startsWith(join(home.root, "logs", "multiverse")));
      assert.equal(readFileSync(log, "utf8"), `hello from ${p.minor}\n`);
    });
    assert.equal(lines.at(-1), "1 of 3 interpreters failed.");
  });

  test("--json reports each interpreter, and all passing exits 0", async () => {
    const picked = `${home.pythons[2]!.minor},${home.pythons[0]!.minor}`;
    const result = await runCli(
      ["multiverse", "--python", picked, "--json", "--", "-c", "print('ok')"],
      home.env,
    );
    assert.equal(result.code, 0, result.stderr);
    const { results, failed } = JSON.parse(result.stdout) as { results: MultiverseResult[]; failed: number };
    assert.equal(failed, 0);
    assert.deepEqual(
      results.map((r) => [r.python, r.exitCode, r.phase, r.lastLine]),
      [
        [home.pythons[2]!.version, 0, "passed", "ok"],
        [home.pythons[0]!.version, 0, "passed", "ok"],
      ],
    );
    for (const r of results) assert.ok(existsSync(r.log) && r.wallMs > 0);
  });
});
