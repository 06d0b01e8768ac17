import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { findTestPythonsAtLeast } from "../helpers/pythons.ts";
import { makeTempDir, pyScriptsDir, runPython, writeBubble, type Venv } from "./fixtures.ts";
import { buildTinyEnv, tinyHelper, tinypkg } from "./tinyEnv.ts";

/**
 * install=True runs `<node> <bin> install --env <prefix> <missing specs>` from the environment's
 * omnipkg/_cli.json. The bin here is a small fake CLI that logs its arguments and renames a
 * prepared bubble into place, as the real installer will; the loader must then find it.
 */
const root = makeTempDir("loader-install");
after(() => rmSync(root, { recursive: true, force: true }));

function writeFakeCli(venv: Venv, fail: boolean): string {
  const staging: Venv = { ...venv, dir: join(root, "staging") };
  writeBubble(staging, tinypkg("4.0.0"), [
    { dist: tinypkg("4.0.0"), location: "bubble" },
    { dist: tinyHelper("2.0.0"), location: "bubble" },
  ]);
  const log = join(root, fail ? "fail.log" : "ok.log");
  const config = {
    log,
    fail,
    from: join(staging.dir, "bubbles", "tinypkg-4.0.0"),
    to: join(venv.dir, "bubbles", "tinypkg-4.0.0"),
  };
  const bin = join(root, "fake-omnipkg.mjs");
  writeFileSync(
    bin,
    `import { appendFileSync, renameSync } from "node:fs";
const config = ${JSON.stringify(config)};
appendFileSync(config.log, JSON.stringify(process.argv.slice(2)) + "\\n");
if (config.fail) {
  console.log("Because tinypkg==5.0.0 was not found in the index, it cannot be installed.");
  process.exit(3);
}
renameSync(config.from, config.to);
`,
  );
  writeFileSync(join(venv.site, "omnipkg", "_cli.json"), JSON.stringify({ node: process.execPath, bin }));
  return log;
}

test("install=True runs the CLI from _cli.json with the missing specs, then activates", () => {
  const pythons = findTestPythonsAtLeast(8);
  assert.ok(pythons.length > 0, "no CPython 3.8+ interpreter found");
  const venv = buildTinyEnv(pythons[0]!.path, join(root, "ok"));
  const log = writeFakeCli(venv, false);
  const result = runPython(venv.python, [join(pyScriptsDir, "install_check.py"), "ok"]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ALL OK/);
  const calls = readFileSync(log, "utf8").trim().split("\n");
  assert.deepEqual(
    calls.map((line) => JSON.parse(line) as string[]),
    [["install", "--env", venv.dir, "tinypkg==4.0.0"]],
  );
});

test("a failing install raises InstallFailed with the command and its output", () => {
  const pythons = findTestPythonsAtLeast(8);
  const venv = buildTinyEnv(pythons[0]!.path, join(root, "fail"));
  const log = writeFakeCli(venv, true);
  const result = runPython(venv.python, [join(pyScriptsDir, "install_check.py"), "fail"]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    result.stdout.trim(),
    `omnipkg install --env ${venv.dir} tinypkg==5.0.0 failed with exit code 3:\n` +
      "Because tinypkg==5.0.0 was not found in the index, it cannot be installed.",
  );
  assert.deepEqual(JSON.parse(readFileSync(log, "utf8")), ["install", "--env", venv.dir, "tinypkg==5.0.0"]);
});
