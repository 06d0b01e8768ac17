import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { makeTempDir, prepareCli, removeDir, runCli } from "../python/cliHarness.ts";

/** `--version` prints package.json's version however omnipkg is started (not only under npm). */

let dir: string;
before(() => {
  prepareCli();
  dir = makeTempDir("cli-version");
});
after(() => removeDir(dir));

it("omnipkg --version is the package's version", () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as {
    version: string;
  };
  const r = runCli(["--version"], { home: join(dir, "home"), env: { npm_package_version: "9.9.9" } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});
