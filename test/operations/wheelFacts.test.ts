/**
 * Wheel dependency facts kept across runs by sha256 (src/operations/wheelFacts.ts), seen through
 * the index provider: the second run reads no METADATA, gives the same answers and resolution, and
 * a damaged or mismatched entry is only a miss.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readCacheFile, writeCacheFile, type DistFile, type IndexClient } from "../../src/index/index.ts";
import { resolve } from "../../src/resolve/index.ts";
import type { DistSource } from "../../src/operations/distSource.ts";
import { createIndexProvider, type DistCandidate } from "../../src/operations/indexProvider.ts";
import { createWheelFactsCache } from "../../src/operations/wheelFacts.ts";
import { sampleFacts } from "../kb/fixtures.ts";
import { tempDir } from "../index/fixtures.ts";

const METADATA: Record<string, string> = {
  app: [
    "Metadata-Version: 2.1",
    "Name: app",
    "Version: 1.0",
    "Requires-Python: >=3.8",
    "Requires-Dist: lib>=1",
    'Requires-Dist: extra-lib; extra == "more"',
    'Requires-Dist: win-lib; sys_platform == "win32"',
    "",
    "",
  ].join("\n"),
  lib: "Metadata-Version: 2.1\nName: lib\nVersion: 1.0\n\n",
  "extra-lib": "Metadata-Version: 2.1\nName: extra-lib\nVersion: 1.0\n\n",
  sdisted: "Metadata-Version: 2.1\nName: sdisted\nVersion: 1.0\nRequires-Dist: lib\n\n",
};

function fileOf(project: string, filename: string): DistFile {
  return {
    filename,
    url: `https://example.invalid/files/${filename}`,
    hashes: { sha256: (project.charCodeAt(0) % 10).toString().repeat(64) },
    requiresPython: undefined,
    yanked: false,
    coreMetadata: { hashes: {} },
    uploadTime: undefined,
    size: undefined,
    index: "https://example.invalid/simple",
  };
}

const FILES: Record<string, DistFile> = {
  app: fileOf("app", "app-1.0-py3-none-any.whl"),
  lib: fileOf("lib", "lib-1.0-py3-none-any.whl"),
  "extra-lib": fileOf("extra-lib", "extra_lib-1.0-py3-none-any.whl"),
  sdisted: { ...fileOf("sdisted", "sdisted-1.0.tar.gz"), hashes: { sha256: "e".repeat(64) } },
};

function world(cacheDir: string | undefined) {
  const reads: string[] = [];
  const client = {
    getProject: async (name: string) => ({ name, index: "x", files: [FILES[name]!], apiVersion: "1.0" }),
  } as unknown as IndexClient;
  const source = {
    metadata: async (project: string) => {
      reads.push(project);
      return METADATA[project]!;
    },
    expect: () => undefined,
  } as unknown as DistSource;
  const provider = createIndexProvider({
    client,
    source,
    facts: sampleFacts(),
    installed: new Map(),
    ...(cacheDir ? { wheelFacts: createWheelFactsCache(cacheDir) } : {}),
  });
  const deps = async (name: string) => {
    const [candidate] = await provider.candidates(name);
    return provider.dependencies(name, candidate as DistCandidate);
  };
  return { provider, reads, deps };
}

test("a second run reads no METADATA and gets the same facts and resolution", async () => {
  using dir = tempDir();
  const cache = join(dir.path, "wheel-facts");
  const plain = world(undefined);
  const cold = world(cache);
  const warm = world(cache);
  const env = sampleFacts().marker_env;
  for (const name of ["app", "lib"]) {
    const expected = await plain.deps(name);
    assert.deepStrictEqual(await cold.deps(name), expected);
    assert.deepStrictEqual(await warm.deps(name), expected);
  }
  assert.deepEqual(cold.reads, ["app", "lib"]);
  assert.deepEqual(warm.reads, [], "the warm run answered from the cache");
  assert.equal(readdirSync(cache).length, 2);
  const summary = async (w: ReturnType<typeof world>) =>
    [...(await resolve(["app[more]"], w.provider, { env })).packages.values()].map((p) => [
      p.name,
      p.version,
      p.dependencies,
    ]);
  const cached = await summary(world(cache));
  assert.deepEqual(cached, await summary(world(undefined)));
  assert.deepEqual(cached, [
    ["app", "1.0", ["extra-lib", "lib"]],
    ["extra-lib", "1.0", []],
    ["lib", "1.0", []],
  ]);
});

test("the cache answers with what it holds (it is really consulted), for that file name only", async () => {
  using dir = tempDir();
  const cache = join(dir.path, "wheel-facts");
  await world(cache).deps("lib");
  const path = join(cache, `${FILES.lib!.hashes.sha256}.json`);
  const stored = readCacheFile(path) as Record<string, unknown>;
  writeCacheFile(path, {
    ...stored,
    requiresDist: ["planted"],
    prepared: { items: [{ text: "planted", name: "planted", marker: null }] },
  });
  const planted = world(cache);
  assert.deepEqual((await planted.deps("lib")).requiresDist, ["planted"]);
  assert.deepEqual(planted.reads, []);
  // The same hash under another file name is not trusted.
  writeCacheFile(path, { ...stored, filename: "other-1.0-py3-none-any.whl", requiresDist: ["planted"] });
  const renamed = world(cache);
  assert.deepEqual((await renamed.deps("lib")).requiresDist, []);
  assert.deepEqual(renamed.reads, ["lib"]);
});

test("damaged or inconsistent entries are misses, and are rewritten", async () => {
  using dir = tempDir();
  const cache = join(dir.path, "wheel-facts");
  const expected = await world(cache).deps("app");
  const path = join(cache, `${FILES.app!.hashes.sha256}.json`);
  const good = readFileSync(path, "utf8");
  const stored = readCacheFile(path) as Record<string, unknown>;
  const damages: (() => void)[] = [
    () => writeFileSync(path, ""),
    () => writeFileSync(path, "garbage"),
    () => writeFileSync(path, good.replace("lib>=1", "lib>=2")),
    () => writeCacheFile(path, { ...stored, format: "wheel-facts-v0" }),
    () => writeCacheFile(path, { ...stored, requiresDist: ["lib>=2"] }), // prepared lines disagree
    () => writeCacheFile(path, { ...stored, requiresPython: 3 }),
    () => writeCacheFile(path, { ...stored, prepared: { items: "x" } }),
  ];
  for (const damage of damages) {
    damage();
    const w = world(cache);
    assert.deepStrictEqual(await w.deps("app"), expected);
    assert.deepEqual(w.reads, ["app"]);
    assert.equal(readFileSync(path, "utf8"), good);
  }
});

test("an sdist's metadata is never cached (it comes from a build on one interpreter)", async () => {
  using dir = tempDir();
  const cache = join(dir.path, "wheel-facts");
  await world(cache).deps("sdisted");
  const again = world(cache);
  await again.deps("sdisted");
  assert.deepEqual(again.reads, ["sdisted"]);
  assert.throws(() => readdirSync(cache), /ENOENT/);
});
