// PEP 440 versions against pip's vendored packaging (>= 22): parsing, normal form, every accessor,
// and ordering, over thousands of generated spellings and corruptions.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  compareVersions,
  InvalidVersion,
  parseVersion,
  canonicalizeVersion,
} from "../../src/standards/index.ts";
import { askOracle, ours, rng } from "./oracle.ts";
import { corrupt, EDGE_VERSIONS, genVersion } from "./gen.ts";

function describe(s: string) {
  const v = parseVersion(s);
  return {
    str: v.toString(),
    public: v.public,
    base: v.baseVersion,
    epoch: String(v.epoch),
    release: v.release.map(String),
    pre: v.pre === null ? null : [v.pre[0], String(v.pre[1])],
    post: v.post === null ? null : String(v.post),
    dev: v.dev === null ? null : String(v.dev),
    local: v.local,
    is_pre: v.isPrerelease,
    is_post: v.isPostrelease,
    is_dev: v.isDevrelease,
  };
}

test("parsing and normal form agree with packaging on 6,000 generated and edge-case versions", () => {
  const r = rng(440);
  const inputs = [...EDGE_VERSIONS];
  for (let i = 0; i < 4000; i++) inputs.push(genVersion(r));
  for (let i = 0; i < 2000; i++) inputs.push(corrupt(r, genVersion(r)));
  const expected = askOracle(inputs.map((s) => ["version", s]));
  let valid = 0;
  inputs.forEach((s, i) => {
    const got = ours(() => describe(s));
    assert.deepEqual(got, expected[i], `version ${JSON.stringify(s)}`);
    if ("ok" in got) valid++;
  });
  // The generator must exercise both sides, or this test proves little.
  assert.ok(valid > 3000 && inputs.length - valid > 800, `valid ${valid} of ${inputs.length}`);
  const canon = askOracle(inputs.map((s) => ["canon_version", s]));
  inputs.forEach((s, i) =>
    assert.deepEqual({ ok: canonicalizeVersion(s) }, canon[i], `canonicalize_version ${JSON.stringify(s)}`),
  );
});

test("ordering agrees with packaging on 5,000 pairs, including near-equal ones", () => {
  const r = rng(7);
  const pool: string[] = [];
  while (pool.length < 400) {
    const s = genVersion(r);
    try {
      parseVersion(s);
      pool.push(s);
    } catch {
      // only valid versions are ordered
    }
  }
  const pairs: [string, string][] = [];
  for (let i = 0; i < 5000; i++) {
    const a = pool[Math.floor(r() * pool.length)]!;
    // Half the pairs share the release so the pre/post/dev/local rules decide.
    const b =
      r() < 0.5
        ? pool[Math.floor(r() * pool.length)]!
        : parseVersion(a).baseVersion + genVersion(r).replace(/^[v\s]*[0-9!.]+/i, "");
    pairs.push([a, b]);
  }
  const expected = askOracle(pairs.map(([a, b]) => ["compare", a, b]));
  pairs.forEach(([a, b], i) =>
    assert.deepEqual(
      ours(() => compareVersions(a, b)),
      expected[i],
      `compare ${a} ${b}`,
    ),
  );
});

test("invalid versions raise InvalidVersion quoting the text", () => {
  for (const bad of ["1.0+", "banana", "1..0", ""]) {
    assert.throws(
      () => parseVersion(bad),
      (e: unknown) =>
        e instanceof InvalidVersion && e.message.includes(`'${bad}'`) && e.code === "INVALID_VERSION",
    );
  }
});

test("huge components stay exact", () => {
  const v = parseVersion("1.99999999999999999999.0+x.18446744073709551617");
  assert.equal(v.toString(), "1.99999999999999999999.0+x.18446744073709551617");
  assert.equal(compareVersions("1.99999999999999999999", "1.99999999999999999998"), 1);
  assert.equal(typeof v.release[1], "bigint");
  assert.equal(typeof v.release[0], "number");
});
