/**
 * Candidates derived from a project's files, kept across runs (src/operations/candidateCache.ts):
 * a hit equals a fresh derivation; changed files, another installed version or damaged entries
 * derive again.
 */
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readCacheFile, writeCacheFile, type DistFile, type IndexClient } from "../../src/index/index.ts";
import type { InstalledDist } from "../../src/install/index.ts";
import type { DistSource } from "../../src/operations/distSource.ts";
import { createCandidateCache } from "../../src/operations/candidateCache.ts";
import { createIndexProvider } from "../../src/operations/indexProvider.ts";
import { sampleFacts } from "../kb/fixtures.ts";
import { tempDir } from "../index/fixtures.ts";

function file(filename: string, more: Partial<DistFile> = {}): DistFile {
  return {
    filename,
    url: `https://example.invalid/files/${filename}`,
    hashes: { sha256: "a".repeat(64) },
    requiresPython: undefined,
    yanked: false,
    coreMetadata: false,
    uploadTime: undefined,
    size: undefined,
    index: "https://example.invalid/simple",
    ...more,
  };
}

const FILES = [
  file("demo-1.0-py3-none-any.whl"),
  file("demo-1.0.tar.gz"),
  file("demo-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
  file("demo-2.0-py3-none-any.whl"),
  file("demo-3.0-cp27-cp27mu-manylinux1_x86_64.whl"),
  file("demo-4.0-py3-none-any.whl", { requiresPython: ">=3.99" }),
  file("demo-5.0-py3-none-any.whl", { yanked: "broken" }),
  file("demo-6.0.tar.gz"),
  file("not a distribution.whl"),
];

function installedDemo(version: string): InstalledDist {
  return {
    name: "demo",
    canonicalName: "demo",
    version,
    distInfo: `/env/site-packages/demo-${version}.dist-info`,
    installer: "pip",
    requested: true,
    wheelSha256: undefined,
  };
}

function candidatesOf(
  cacheDir: string | undefined,
  files: DistFile[] = FILES,
  installed: InstalledDist[] = [installedDemo("0.9")],
) {
  const client = {
    getProject: async (name: string) => ({ name, index: "x", files, apiVersion: "1.0" }),
  } as unknown as IndexClient;
  const provider = createIndexProvider({
    client,
    source: {} as DistSource,
    facts: sampleFacts(),
    installed: new Map(installed.map((d) => [d.canonicalName, d])),
    ...(cacheDir ? { candidateCache: createCandidateCache(cacheDir) } : {}),
  });
  return provider.candidates("demo");
}

test("a cached derivation equals a fresh one, with the client's own file objects", async () => {
  using dir = tempDir();
  const cache = join(dir.path, "candidates");
  const fresh = await candidatesOf(undefined);
  assert.deepEqual(
    fresh.map((c) => [c.version, c.kind, c.file?.filename]),
    [
      ["1.0", "wheel", "demo-1.0-py3-none-any.whl"],
      ["2.0", "wheel", "demo-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"],
      ["4.0", "wheel", "demo-4.0-py3-none-any.whl"],
      ["5.0", "wheel", "demo-5.0-py3-none-any.whl"],
      ["6.0", "sdist", "demo-6.0.tar.gz"],
      ["0.9", "installed", undefined],
    ],
  );
  assert.deepStrictEqual(await candidatesOf(cache), fresh);
  assert.equal(readdirSync(cache).length, 1);
  const warm = await candidatesOf(cache);
  assert.deepStrictEqual(warm, fresh);
  assert.ok(FILES.includes(warm[0]!.file!), "the very file objects of the page");
});

test("the cache is consulted, and changed files or another installed version derive again", async () => {
  using dir = tempDir();
  const cache = join(dir.path, "candidates");
  await candidatesOf(cache);
  const [entry] = readdirSync(cache).map((n) => join(cache, n));
  const stored = readCacheFile(entry!) as { key: string; entries: { version: string }[] };
  writeCacheFile(entry!, { ...stored, entries: stored.entries.slice(0, 1) });
  assert.deepEqual(
    (await candidatesOf(cache)).map((c) => c.version),
    ["1.0"],
    "the planted entry answered",
  );
  const more = [...FILES, file("demo-7.0-py3-none-any.whl")];
  assert.deepStrictEqual(await candidatesOf(cache, more), await candidatesOf(undefined, more));
  const upgraded = [installedDemo("2.0")];
  const withInstalled = await candidatesOf(cache, FILES, upgraded);
  assert.deepStrictEqual(withInstalled, await candidatesOf(undefined, FILES, upgraded));
  assert.equal(withInstalled.find((c) => c.version === "2.0")!.installed, true);
});

test("damaged entries are ignored", async () => {
  using dir = tempDir();
  const cache = join(dir.path, "candidates");
  const fresh = await candidatesOf(undefined);
  await candidatesOf(cache);
  const [entry] = readdirSync(cache).map((n) => join(cache, n));
  const stored = readCacheFile(entry!) as { key: string; entries: Record<string, unknown>[] };
  const damages: (() => void)[] = [
    () => writeFileSync(entry!, "junk"),
    () => writeCacheFile(entry!, { ...stored, key: "other" }),
    () => writeCacheFile(entry!, { ...stored, entries: [{ ...stored.entries[0], f: 99 }] }),
    () => writeCacheFile(entry!, { ...stored, entries: [{ ...stored.entries[0], kind: "egg" }] }),
    () => writeCacheFile(entry!, { ...stored, entries: [{ ...stored.entries[0], yanked: "yes" }] }),
    () =>
      writeCacheFile(entry!, {
        ...stored,
        entries: [{ f: 0, version: "0.9", kind: "installed", installed: true }],
      }),
  ];
  for (const damage of damages) {
    damage();
    assert.deepStrictEqual(await candidatesOf(cache), fresh);
  }
});
