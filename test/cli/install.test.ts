import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { commandLineUsage } from "../../src/cli/install.ts";
import { OmnipkgError } from "../../src/core/errors.ts";
import { parseRequirement } from "../../src/standards/index.ts";
import { requirePythons } from "../helpers/pythons.ts";
import { makeTempDir, prepareCli, removeDir, runCli } from "../python/cliHarness.ts";

/**
 * `omnipkg install` through the built bin, which sends it to the warm-install entry
 * (dist/fast-install.cjs): help, usage errors and exit codes must be the full CLI's.
 */

let dir: string;
let home: string;
let venv: string;

before(() => {
  prepareCli();
  dir = makeTempDir("cli-install");
  home = join(dir, "home");
  venv = join(dir, "venv");
  const [python] = requirePythons(1);
  execFileSync(python!.path, ["-m", "venv", "--without-pip", venv]);
});
after(() => removeDir(dir));

const cli = (args: string[]) =>
  runCli(args, { home, env: { PIP_CONFIG_FILE: "/dev/null", VIRTUAL_ENV: "" } });

describe("omnipkg install on the command line", () => {
  it("prints the same help as `omnipkg help install`", () => {
    const viaFlag = cli(["install", "--help"]);
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    assert.match(viaFlag.stdout, /^Usage: omnipkg install \[options\] \[packages\.\.\.\]/);
    assert.match(viaFlag.stdout, /--index-strategy <name>/);
    assert.equal(viaFlag.stdout, cli(["help", "install"]).stdout);
  });

  it("answers bad flags and bad option values with commander's message and exit code 2", () => {
    const unknown = cli(["install", "--bogus", "rich"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--bogus'/);
    const badValue = cli(["install", "--timeout", "soon", "rich"]);
    assert.equal(badValue.code, 2);
    assert.match(badValue.stderr, /"soon" is not a positive number of seconds/);
    const missing = cli(["install", "rich", "--env"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /option '--env <dir>' argument missing/);
  });

  it("leaves program options after the command to commander, which rejects them", () => {
    const r = cli(["install", "rich", "-V"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown option '-V'/);
  });

  it("exits 2 for a requirement on the command line that is not PEP 508", () => {
    const r = cli(["install", "--env", venv, "foo>>1"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Invalid requirement 'foo>>1'/);
  });

  it("exits 1 when the same text comes from a requirements file (the file is wrong, not the usage)", () => {
    const file = join(dir, "requirements.txt");
    writeFileSync(file, "foo>>1\n");
    const r = cli(["install", "--env", venv, "-r", file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Invalid requirement 'foo>>1'/);
  });

  it("exits 2 with nothing to install, through the fast entry as through commander", () => {
    const r = cli(["install", "--env", venv]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Name at least one package to install/);
  });
});

describe("commandLineUsage", () => {
  const invalid = (text: string) => {
    try {
      parseRequirement(text);
    } catch (error) {
      return error;
    }
    throw new Error(`${text} parsed`);
  };

  it("turns an invalid requirement typed on the command line into a usage error", () => {
    const error = commandLineUsage(invalid("foo>>1"), ["rich", "foo>>1"]) as OmnipkgError;
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /^Invalid requirement 'foo>>1'/);
    assert.ok(error.hint);
  });

  it("leaves other errors as they are", () => {
    const fromFile = invalid("bar>>1");
    assert.equal(commandLineUsage(fromFile, ["foo>>1"]), fromFile);
    const other = new OmnipkgError("NO_SUCH_FILE", "gone");
    assert.equal(commandLineUsage(other, ["gone"]), other);
  });
});
