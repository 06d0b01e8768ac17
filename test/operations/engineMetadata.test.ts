import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildWheel } from "../helpers/buildWheel.ts";
import { assertBuilt, removeDir } from "../python/cliHarness.ts";
import { buildProjects, makeWorld, type World } from "./installFixtures.ts";
import { freshVenv, installedIn, isRange, requestsFor } from "./engineHelpers.ts";

/**
 * Metadata when the index offers no PEP 658 file: read from the wheel's central directory with HTTP
 * range requests, and when the server ignores ranges, from one full download that the install then
 * reuses. The server's request log is the judge of how many bytes went over the wire.
 */

describe("metadata without PEP 658 files", () => {
  let w: World;
  let bigWheel: string;
  before(async () => {
    assertBuilt();
    w = await makeWorld([], "engine-metadata");
    const projects = buildProjects(`${w.dir}/wheels`, [
      { name: "ranged-dep", version: "1.0", metadata: false },
      { name: "suffix-app", version: "1.0", metadata: false },
      { name: "plain-app", version: "1.0", requires: ["plain-dep"], metadata: false },
      { name: "plain-dep", version: "1.0", metadata: false },
    ]);
    // A thousand files: the central directory alone outgrows the 64 KiB tail and RECORD sits after
    // METADATA, so the directory and METADATA each need a range request of their own.
    const files: Record<string, string> = { "ranged_app/__init__.py": "" };
    for (let i = 0; i < 1000; i++)
      files[`ranged_app/a_module_with_a_rather_long_name_${i}.py`] = `N = ${i}\n`;
    const big = buildWheel(
      { name: "ranged-app", version: "1.0", requiresDist: ["ranged-dep"], files },
      `${w.dir}/wheels`,
    );
    bigWheel = big.filename;
    projects.push({ project: "ranged-app", files: [{ filename: big.filename, bytes: big.bytes }] });
    w.server.setProjects(projects);
  });
  after(async () => {
    await w?.close();
    if (w) removeDir(w.dir);
  });

  test("range requests read the metadata; each wheel is downloaded whole once, for the install", async () => {
    const from = w.server.requests.length;
    const venv = freshVenv(w);
    const r = await w.cli(["install", "ranged-app", "--env", venv]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(installedIn(venv), { "ranged-app": "1.0", "ranged-dep": "1.0" });
    for (const file of [bigWheel, "ranged_dep-1.0-py3-none-any.whl"]) {
      const log = requestsFor(w, file, from);
      const ranges = log.filter(isRange);
      assert.ok(ranges.length >= 1, `${file}: metadata came from range requests`);
      assert.ok(
        ranges.every((q) => q.status === 206),
        `${file}: every range was answered 206`,
      );
      assert.equal(log.filter((q) => !isRange(q)).length, 1, `${file}: one full download`);
    }
    // The JSON page gives sizes (PEP 700): the tail is asked for with explicit offsets.
    assert.match(String(requestsFor(w, bigWheel, from).find(isRange)!.headers.range), /^bytes=\d+-\d+$/);
    // The big wheel's tail does not hold METADATA: the engine asked for more than the tail.
    assert.ok(requestsFor(w, bigWheel, from).filter(isRange).length >= 2);
    // A small wheel is all tail: one range request answers everything.
    assert.equal(requestsFor(w, "ranged_dep-1.0-py3-none-any.whl", from).filter(isRange).length, 1);
  });

  test("without a known size (an HTML page) the tail is a suffix range, clamped on a small file", async () => {
    const from = w.server.requests.length;
    const venv = freshVenv(w);
    const r = await w.cli(["install", "suffix-app", "--env", venv, "--index-url", w.server.htmlIndexUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(installedIn(venv)["suffix-app"], "1.0");
    const log = requestsFor(w, "suffix_app-1.0-py3-none-any.whl", from);
    assert.deepEqual(
      log.map((q) => [q.headers.range, q.status]),
      [
        ["bytes=-65536", 206],
        [undefined, 200],
      ],
    );
  });

  test("a server that ignores ranges costs one probe; the download is reused for the install", async () => {
    const files = ["plain_app-1.0-py3-none-any.whl", "plain_dep-1.0-py3-none-any.whl"];
    for (const file of files) w.server.setBehaviour(`/files/${file}`, { noRange: true });
    const from = w.server.requests.length;
    const venv = freshVenv(w);
    const r = await w.cli(["install", "plain-app", "--env", venv]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(installedIn(venv), { "plain-app": "1.0", "plain-dep": "1.0" });
    const [app, dep] = files.map((f) => requestsFor(w, f, from));
    assert.equal(app!.filter(isRange).length, 1, "the first wheel probes once (answered 200)");
    assert.equal(dep!.filter(isRange).length, 0, "the server is known not to do ranges by then");
    for (const log of [app!, dep!]) {
      assert.equal(log.filter((q) => !isRange(q)).length, 1, "downloaded once, for metadata and install");
    }
  });

  test("a second install into a fresh env needs no network for these wheels at all", async () => {
    const from = w.server.requests.length;
    const r = await w.cli(["install", "ranged-app", "plain-app", "--env", freshVenv(w)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      w.server.requests.slice(from).filter((q) => q.path.startsWith("/files/")),
      [],
      "metadata from the knowledge base, wheels from the store",
    );
  });
});
