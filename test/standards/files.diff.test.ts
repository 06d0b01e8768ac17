// Wheel and sdist file names and core metadata against pip's vendored packaging (>= 22).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  InvalidMetadata,
  InvalidSdistFilename,
  InvalidWheelFilename,
  parseCoreMetadata,
  parseRequiresDist,
  parseSdistFilename,
  parseWheelFilename,
} from "../../src/standards/index.ts";
import { askOracle, ours, pick, rng } from "./oracle.ts";
import { corrupt, genVersion } from "./gen.ts";

type R = () => number;
const NAMES = ["foo", "Foo_Bar", "zope.interface", "a__b", "pkg9", "typing_extensions", "é_pkg", "x-y"];
const PY = ["py3", "py2.py3", "cp311", "cp39.cp310", "pp310", "CP312"];
const ABI = ["none", "abi3", "cp311", "cp313t", "cp37m.abi3"];
const PLAT = [
  "any",
  "manylinux_2_17_x86_64.manylinux2014_x86_64",
  "linux_x86_64",
  "win_amd64",
  "macosx_11_0_arm64",
  "musllinux_1_2_aarch64",
];

function genWheel(r: R): string {
  const parts = [pick(r, NAMES), genVersion(r, { local: r() < 0.1 }).trim()];
  if (r() < 0.2) parts.push(pick(r, ["1", "2abc", "10_x", "x1", ""]));
  parts.push(pick(r, PY), pick(r, ABI), pick(r, PLAT));
  const name = parts.join("-") + ".whl";
  return r() < 0.15 ? corrupt(r, name) : name;
}

function genSdist(r: R): string {
  const name = `${pick(r, NAMES)}-${genVersion(r, { local: false }).trim()}${pick(r, [".tar.gz", ".zip", ".tar.gz"])}`;
  return r() < 0.15 ? corrupt(r, name) : name;
}

test("wheel file names agree with packaging.utils.parse_wheel_filename on 3,000 names", () => {
  const r = rng(427);
  const names = Array.from({ length: 3000 }, () => genWheel(r));
  const expected = askOracle(names.map((n) => ["wheel", n]));
  let valid = 0;
  names.forEach((n, i) => {
    const got = ours(() => {
      const w = parseWheelFilename(n);
      return {
        name: w.name,
        version: w.version.toString(),
        build: w.build ?? [],
        tags: w.tags.map(String).sort(),
      };
    });
    const want = "err" in expected[i]! ? { err: "InvalidWheelFilename" } : expected[i];
    assert.deepEqual(got, want, `wheel ${JSON.stringify(n)}`);
    if ("ok" in got) valid++;
  });
  assert.ok(valid > 1500 && valid < 2900, `valid ${valid}`);
});

test("sdist file names agree with packaging.utils.parse_sdist_filename on 2,000 names", () => {
  const r = rng(625);
  const names = Array.from({ length: 2000 }, () => genSdist(r)).filter((n) => /\.(tar\.gz|zip)$/.test(n));
  const expected = askOracle(names.map((n) => ["sdist", n]));
  names.forEach((n, i) => {
    const got = ours(() => {
      const s = parseSdistFilename(n);
      return { name: s.name, version: s.version.toString() };
    });
    const want = "err" in expected[i]! ? { err: "InvalidSdistFilename" } : expected[i];
    assert.deepEqual(got, want, `sdist ${JSON.stringify(n)}`);
  });
});

test("legacy sdists: the known project name decides where the version starts", () => {
  assert.deepEqual(
    [parseSdistFilename("foo-bar-1.0-2.tar.gz", { project: "Foo.Bar" })].map((s) => [
      s.name,
      String(s.version),
    ]),
    [["foo-bar", "1.0.post2"]],
  );
  assert.equal(parseSdistFilename("foo-bar-1.0-2.tar.gz").name, "foo-bar-1-0");
  const legacy = parseSdistFilename("Django-1.11.tar.bz2");
  assert.deepEqual([legacy.name, legacy.extension, legacy.standard], ["django", ".tar.bz2", false]);
  assert.equal(parseSdistFilename("foo_bar-1.0.tar.gz").standard, true);
  assert.throws(
    () => parseSdistFilename("foo-1.0.rar"),
    (e: unknown) => e instanceof InvalidSdistFilename && /'foo-1.0.rar'/.test(e.message),
  );
  assert.throws(
    () => parseWheelFilename("foo-1.0-py3-none.whl"),
    (e: unknown) => e instanceof InvalidWheelFilename && /'foo-1.0-py3-none.whl'/.test(e.message),
  );
  const w = parseWheelFilename("Foo_Bar-1.0-2x-py2.py3-none-any.whl");
  assert.deepEqual(
    [w.name, w.build, w.tags.map(String)],
    ["foo-bar", [2, "x"], ["py2-none-any", "py3-none-any"]],
  );
});

function genMetadata(r: R): string {
  const lines: string[] = [];
  lines.push(`Metadata-Version: ${pick(r, ["1.0", "1.2", "2.1", "2.2", "2.3"])}`);
  lines.push(`${pick(r, ["Name", "name", "NAME"])}: ${pick(r, NAMES)}`);
  lines.push(`Version: ${pick(r, ["1.0", "2.0.post1", "0.1a1"])}`);
  const optional: (() => string)[] = [
    () => `Summary: ${pick(r, ["A thing", "", "  spaced  ", "ünïcode"])}`,
    () =>
      `Requires-Dist: ${pick(r, ["requests>=2", "idna; extra == 'x'", 'foo[bar] (<2) ; python_version < "3.8"'])}`,
    () => `Requires-Python: ${pick(r, [">=3.8", ">=3.6, <4"])}`,
    () => `Provides-Extra: ${pick(r, ["x", "Te_st"])}`,
    () => `Classifier: ${pick(r, ["Programming Language :: Python", "License :: OSI Approved"])}`,
    () => `Keywords: ${pick(r, ["a,b, c", "single"])}`,
    () => `Project-URL: ${pick(r, ["Home, https://x", "Docs,https://y", "NoComma"])}`,
    () => `Description: ${pick(r, ["line one\n        |line two", "short"])}`,
    () => `Description-Content-Type: text/markdown`,
    () => `Author-email: A <a@example.com>`,
    () => `Home-page: https://example.com`,
    () => `X-Unknown: ${pick(r, ["1", "two"])}`,
    () => `Dynamic: ${pick(r, ["Requires-Dist", "Summary"])}`,
    () => `License: ${pick(r, ["MIT", "line\n  continued\n\tagain"])}`,
  ];
  const n = Math.floor(r() * 10);
  for (let i = 0; i < n; i++) lines.push(pick(r, optional)());
  for (let i = lines.length - 1; i > 0; i--) {
    const j = 1 + Math.floor(r() * i);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  let text = lines.join("\n") + "\n";
  if (r() < 0.4)
    text += "\n" + pick(r, ["# Title\n\nBody text\n", "body without newline", "\n\nlead blank\n"]);
  if (r() < 0.1) text = text.replace("\nVersion", "\nnot a header\nVersion");
  return text;
}

const SNAKE: Record<string, string> = {
  metadataVersion: "metadata_version",
  requiresDist: "requires_dist",
  providesExtra: "provides_extra",
  requiresPython: "requires_python",
  descriptionContentType: "description_content_type",
  authorEmail: "author_email",
  homePage: "home_page",
  projectUrls: "project_urls",
  classifiers: "classifiers",
  keywords: "keywords",
  summary: "summary",
  description: "description",
  name: "name",
  version: "version",
  dynamic: "dynamic",
  license: "license",
};

test("core metadata headers, folds and body agree with packaging.metadata.parse_email on 1,500 files", () => {
  const r = rng(566);
  const texts = Array.from({ length: 1500 }, () => genMetadata(r));
  const expected = askOracle(texts.map((t) => ["metadata", t]));
  let checked = 0;
  texts.forEach((t, i) => {
    const want = (expected[i] as { ok: { raw: Record<string, unknown>; unparsed: Record<string, string[]> } })
      .ok;
    let meta;
    try {
      meta = parseCoreMetadata(t);
    } catch (error) {
      // Only a missing or invalid required field may be refused.
      assert.ok(error instanceof InvalidMetadata, String(error));
      assert.ok(
        !("name" in want.raw && "version" in want.raw && "metadata_version" in want.raw),
        `refused ${JSON.stringify(t)}`,
      );
      return;
    }
    checked++;
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta)) {
      if (k === "unparsed") continue;
      if ((k === "requiresDist" || k === "providesExtra") && (v as string[]).length === 0) continue;
      raw[SNAKE[k] ?? k] = v;
    }
    assert.deepEqual(raw, want.raw, `raw of ${JSON.stringify(t)}`);
    assert.deepEqual(meta.unparsed, want.unparsed, `unparsed of ${JSON.stringify(t)}`);
  });
  assert.ok(checked > 1000, `checked ${checked}`);
});

test("metadata errors name the field and quote the value", () => {
  assert.throws(
    () => parseCoreMetadata("Metadata-Version: 3.0\nName: a\nVersion: 1\n"),
    /Unsupported Metadata-Version '3.0'/,
  );
  assert.throws(
    () => parseCoreMetadata("Metadata-Version: 2.1\nName: a\nVersion: one\n"),
    /invalid Version 'one'/,
  );
  assert.throws(() => parseCoreMetadata("Metadata-Version: 2.1\nVersion: 1\n"), /no Name/);
  const meta = parseCoreMetadata(
    "Metadata-Version: 2.4\nName: a\nVersion: 1\nLicense-Expression: MIT\nRequires-Dist: b (>=1\n",
  );
  assert.equal(meta.licenseExpression, "MIT");
  assert.throws(() => parseRequiresDist(meta), /Invalid Requires-Dist 'b \(>=1'/);
});
