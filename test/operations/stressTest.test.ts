import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, makeTempDir, removeDir, runCliAsync, type CliResult } from "../python/cliHarness.ts";
import { buildWheel, metadataText, type WheelSpec } from "../helpers/buildWheel.ts";
import { startIndexServer, type IndexServer, type ServedProject } from "../helpers/indexServer.ts";
import { requirePythons, type TestPython } from "../helpers/pythons.ts";
import { isolatedEnv } from "./installFixtures.ts";

/**
 * `omnipkg stress-test` end to end on two real interpreters adopted into a temp home, against a
 * local index of tiny wheels: versions go into main and bubbles, one process per interpreter
 * switches between them, the table and the exit code report it; a version the index lacks and a
 * wheel for no installed interpreter are skipped and said; a bubble tampered on disk fails.
 */

function project(specs: WheelSpec[], dir: string): ServedProject {
  return {
    project: specs[0]!.name,
    files: specs.map((spec) => {
      const wheel = buildWheel(spec, dir);
      return { filename: wheel.filename, bytes: wheel.bytes, metadata: metadataText(spec) };
    }),
  };
}

const module = (name: string, version: string) => ({
  [`${name}/__init__.py`]: `__version__ = "${version}"\n`,
});

describe("omnipkg stress-test", () => {
  let dir: string;
  let home: string;
  let server: IndexServer;
  let pythons: TestPython[];
  const cli = (args: string[]): Promise<CliResult> => runCliAsync(args, { home, env: isolatedEnv() });
  const packages = ["--packages", "alpha==1.0,2.0,9.9", "beta==1.0,2.0", "gamma==1.0"];

  before(async () => {
    assertBuilt();
    pythons = requirePythons(2, 8);
    dir = makeTempDir("stress");
    home = join(dir, "home");
    const wheels = join(dir, "wheels");
    mkdirSync(wheels);
    server = await startIndexServer({
      projects: [
        project(
          ["1.0", "2.0"].map((v) => ({ name: "alpha", version: v, files: module("alpha", v) })),
          wheels,
        ),
        project(
          [
            { name: "beta", version: "1.0", files: module("beta", "1.0"), requiresDist: ["alpha"] },
            { name: "beta", version: "2.0", files: module("beta", "2.0"), requiresDist: ["alpha>=2"] },
          ],
          wheels,
        ),
        // A wheel no interpreter of this test can install.
        project(
          [
            {
              name: "gamma",
              version: "1.0",
              files: module("gamma", "1.0"),
              tag: "cp27-cp27mu-manylinux1_x86_64",
            },
          ],
          wheels,
        ),
      ],
    });
    for (const p of pythons) {
      const r = await cli(["python", "adopt", p.path]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await server.close();
    removeDir(dir);
  });

  test("two interpreters: every version checked in one process each, twice, with a table, skips said, exit 0", async () => {
    const r = await cli(["stress-test", ...packages, "--index-url", server.indexUrl, "--json"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.indexStrategy, "unsafe-best-match", "the default, see stressTest.ts");
    assert.deepEqual(
      report.interpreters.map((i: { version: string }) => i.version).sort(),
      pythons.map((p) => p.version).sort(),
    );
    for (const p of pythons) {
      const mine = report.results.filter((x: { python: string }) => x.python === p.version);
      assert.equal(mine.length, 8, "alpha 1.0/2.0 and beta 1.0/2.0, two rounds");
      assert.ok(mine.every((x: { ok: boolean; mode: string }) => x.ok && x.mode === "in-process"));
      const where = Object.fromEntries(
        mine.map((x: { package: string; version: string; location: string }) => [
          `${x.package}==${x.version}`,
          x.location,
        ]),
      );
      assert.deepEqual(where, {
        "alpha==1.0": "main",
        "alpha==2.0": "bubble",
        "beta==1.0": "main",
        "beta==2.0": "bubble",
      });
      assert.ok(
        mine.every((x: { activateMs: number }) => typeof x.activateMs === "number" && x.activateMs >= 0),
      );
      const skipped = report.skipped.filter((s: { python: string }) => s.python === p.version);
      assert.ok(
        skipped.some(
          (s: { package: string; reason: string }) =>
            s.package === "alpha" && /^not on the configured indexes/.test(s.reason),
        ),
      );
      assert.ok(
        skipped.some(
          (s: { package: string; reason: string }) =>
            s.package === "gamma" && /no wheel for this interpreter/.test(s.reason),
        ),
      );
    }
    assert.ok(
      report.dedup.logicalBytes > report.dedup.diskBytes,
      "files shared between the two environments are stored once",
    );
    assert.ok(report.dedup.store.referencedBytes >= report.dedup.store.uniqueBytes);

    const table = await cli(["stress-test", ...packages, "--index-url", server.indexUrl]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /^python\s+package\s+version\s+from\s+activate ms\s+import ms\s+rounds\s+ok$/m,
    );
    for (const p of pythons) {
      assert.match(
        table.stdout,
        new RegExp(
          `^${p.version.replace(/\./g, "\\.")}\\s+alpha\\s+2\\.0\\s+bubble\\s+[\\d.]+\\s+[\\d.]+\\s+2\\s+ok$`,
          "m",
        ),
      );
    }
    assert.match(table.stdout, /skipped: Python \S+ alpha==9\.9: not on the configured indexes/);
    assert.match(table.stdout, /Dedup: .* saved/);
    assert.match(table.stdout, /All 16 checks passed/);
  });

  test("a bubble tampered on disk fails its version check and the exit code says so", async () => {
    const python = pythons[0]!;
    const envs = join(home, "envs");
    const envDir = join(
      envs,
      readdirSync(envs).find((id) => id === python.version)!,
    );
    const init = join(envDir, "bubbles", "alpha-2.0", "alpha", "__init__.py");
    // The file is a hard link into the store: replace it, never write through it.
    rmSync(init);
    writeFileSync(init, '__version__ = "6.6"\n');
    const r = await cli([
      "stress-test",
      ...packages,
      "--index-url",
      server.indexUrl,
      "--python",
      python.minor,
    ]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /alpha\s+2\.0\s+bubble.*FAILED/);
    assert.match(r.stdout, /alpha\.__version__ is 6\.6/);
    assert.match(r.stdout, /2 of 8 checks failed/);
  });

  test("bad options are usage errors", async () => {
    const bad = await cli(["stress-test", "--packages", "alpha>=1"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"alpha>=1" is not NAME==VERSION/);
    const rounds = await cli(["stress-test", "--rounds", "0"]);
    assert.equal(rounds.code, 2);
  });
});
