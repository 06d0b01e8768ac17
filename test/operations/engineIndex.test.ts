import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildWheel, metadataText, type WheelSpec } from "../helpers/buildWheel.ts";
import { sha256Hex, type ServedFile } from "../helpers/indexServer.ts";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { snapshotTree } from "../install/envHelpers.ts";
import { buildProjects, makeWorld, type World } from "./installFixtures.ts";
import { freshVenv, installedIn, pythonVersionOf, readDistInfoFile, requestsFor } from "./engineHelpers.ts";

/**
 * What the index says about files, end to end through the real CLI: Requires-Python judged per
 * file and explained when it rules a version out, yanked releases (PEP 592) chosen only when pinned
 * and then warned about, and direct URL wheels over HTTP with their hash checked and recorded.
 */

const FUTURE = ">=3.99";

function served(spec: WheelSpec, extra: Partial<ServedFile> = {}): ServedFile {
  const wheel = buildWheel({
    files: { [`${spec.name}/__init__.py`]: `VERSION = "${spec.version}"\n` },
    ...spec,
  });
  return { filename: wheel.filename, bytes: wheel.bytes, metadata: metadataText(spec), ...extra };
}

describe("the install engine and what the index says about files", () => {
  let w: World;
  let target: string;
  let minor: string;
  let directSha: string;
  before(async () => {
    assertBuilt();
    w = await makeWorld([], "engine-index");
    target = pythonVersionOf(w.python);
    minor = target.split(".")[1]!;
    const base = buildProjects(`${w.dir}/wheels`, [
      { name: "rp", version: "1.0" },
      { name: "rp", version: "2.0", requiresPython: FUTURE },
      { name: "yk", version: "1.0" },
      { name: "yk", version: "2.0", yanked: true },
      { name: "dep", version: "1.0" },
    ]);
    // rp 3.0: its best-ranked wheel (py3X) wants a future Python, the plain py3 one fits.
    const future = served({
      name: "rp",
      version: "3.0",
      tag: `py3${minor}-none-any`,
      requiresPython: FUTURE,
    });
    const plain = served({ name: "rp", version: "3.0" });
    base.find((p) => p.project === "rp")!.files.push({ ...future, requiresPython: FUTURE }, plain);
    const ykFiles = base.find((p) => p.project === "yk")!.files;
    ykFiles[1] = { ...ykFiles[1]!, yanked: "broken build" };
    // Not listed by any page that the tests ask for: reached only by its URL, with no PEP 658 file.
    const direct = served({ name: "direct", version: "1.0", requiresDist: ["dep"] });
    directSha = sha256Hex(direct.bytes);
    base.push({ project: "direct", files: [{ filename: direct.filename, bytes: direct.bytes }] });
    w.server.setProjects(base);
  });
  after(async () => {
    await w?.close();
    if (w) removeDir(w.dir);
  });

  test("a version ruled out by Requires-Python is explained, with the target's version", async () => {
    const snapshot = snapshotTree(w.venv);
    const r = await w.cli(["install", "rp>=2,<3"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`rp==2\\.0 requires Python >=3\\.99 \\(the target is ${target.replace(/\./g, "\\.")}\\)`),
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.deepEqual(snapshotTree(w.venv), snapshot, "nothing changed");
  });

  test("a version whose best wheel needs a newer Python installs from the file that fits", async () => {
    const from = w.server.requests.length;
    const venv = freshVenv(w);
    const r = await w.cli(["install", "rp", "--env", venv]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(installedIn(venv).rp, "3.0");
    assert.equal(
      requestsFor(w, `rp-3.0-py3${minor}-none-any.whl`, from).length,
      0,
      "the unfit wheel is never fetched",
    );
    assert.equal(requestsFor(w, "rp-3.0-py3-none-any.whl", from).length, 1);
  });

  test("a yanked release is skipped unless pinned with ==, and a pinned one is warned about", async () => {
    const plain = freshVenv(w);
    const r1 = await w.cli(["install", "yk", "--env", plain]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(installedIn(plain).yk, "1.0");
    assert.doesNotMatch(r1.stderr, /yanked/);

    const ranged = await w.cli(["install", "yk>=1.5", "--env", freshVenv(w)]);
    assert.equal(ranged.code, 1, "a range never picks a yanked release");
    assert.match(ranged.stderr, /Matching 2\.0 is yanked: pin one exactly with ==/);

    const pinned = freshVenv(w);
    const r2 = await w.cli(["install", "yk==2.0", "--env", pinned]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(installedIn(pinned).yk, "2.0");
    assert.match(
      r2.stderr,
      /warning: The candidate selected for download or install is a yanked version: 'yk' candidate \(version 2\.0 at http:\/\/127\.0\.0\.1:\d+\/files\/yk-2\.0-py3-none-any\.whl\)/,
    );
    assert.match(r2.stderr, /Reason for being yanked: broken build/);
    assert.equal(r2.stderr.match(/yanked version/g)!.length, 1, "said once");
  });

  test("a direct URL wheel over HTTP installs, its hash checked and recorded (PEP 610)", async () => {
    const url = w.server.fileUrl("direct-1.0-py3-none-any.whl");
    const sha = directSha;
    const venv = freshVenv(w);

    const wrong = await w.cli(["install", `direct @ ${url}#sha256=${"0".repeat(64)}`, "--env", venv]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /hash|sha256/i);
    assert.deepEqual(installedIn(venv), {}, "a hash mismatch installs nothing");

    const r = await w.cli(["install", `direct @ ${url}#sha256=${sha}`, "--env", venv]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      installedIn(venv),
      { direct: "1.0", dep: "1.0" },
      "its dependencies come from the index",
    );
    const record = JSON.parse(readDistInfoFile(venv, "direct-1.0.dist-info", "direct_url.json"));
    assert.deepEqual(record, { url, archive_info: { hash: `sha256=${sha}`, hashes: { sha256: sha } } });
    assert.equal(readDistInfoFile(venv, "direct-1.0.dist-info", "INSTALLER").trim(), "omnipkg");
  });

  test("a direct URL whose wheel is another project is refused before anything is fetched", async () => {
    const from = w.server.requests.length;
    const url = w.server.fileUrl("direct-1.0-py3-none-any.whl");
    const r = await w.cli(["install", `dep @ ${url}`, "--env", freshVenv(w)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /names dep, but the wheel direct-1\.0-py3-none-any\.whl is direct/);
    assert.deepEqual(w.server.requests.slice(from), []);
  });

  test("a direct URL without a hash is still recorded with the hash of what was installed", async () => {
    const url = w.server.fileUrl("direct-1.0-py3-none-any.whl");
    const venv = freshVenv(w);
    const r = await w.cli(["install", `direct @ ${url}`, "--env", venv]);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(readDistInfoFile(venv, "direct-1.0.dist-info", "direct_url.json"));
    assert.equal(record.url, url);
    assert.match(record.archive_info.hashes.sha256, /^[0-9a-f]{64}$/);
  });
});
