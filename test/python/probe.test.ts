import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { probeInterpreter, type ProbeCache } from "../../src/python/probe.ts";
import { NotAPython, UnsupportedPython } from "../../src/python/errors.ts";
import type { InterpreterFacts } from "../../src/python/facts.ts";
import type { ProbeCacheKey } from "../../src/kb/types.ts";
import { requirePythons } from "../helpers/pythons.ts";
import { makeTempDir, python2, removeDir } from "./cliHarness.ts";

function memoryCache(): ProbeCache & { puts: number } {
  const store = new Map<string, InterpreterFacts>();
  const id = (k: ProbeCacheKey) => `${k.path}|${k.mtimeMs}|${k.size}`;
  return {
    puts: 0,
    async getProbe(key) {
      return store.get(id(key));
    },
    async putProbe(key, facts) {
      this.puts++;
      store.set(id(key), facts);
    },
  };
}

test("the probe reports a real interpreter's facts", async () => {
  const [py] = requirePythons(1);
  const facts = await probeInterpreter(py!.path);
  assert.equal(facts.version, py!.version);
  assert.equal(facts.implementation, "cpython");
  assert.equal(facts.marker_env.python_full_version, py!.version);
  assert.ok(facts.paths.purelib, "sysconfig paths are present");
  assert.ok([32, 64].includes(facts.pointer_bits));
});

test("a cached probe spawns nothing: a copy made non-executable still answers from the cache", async () => {
  const [py] = requirePythons(1);
  const dir = makeTempDir("probe");
  try {
    mkdirSync(join(dir, "bin"));
    const copy = join(dir, "bin", `python${py!.minor}`);
    copyFileSync(py!.path, copy);
    chmodSync(copy, 0o755);
    const cache = memoryCache();
    const first = await probeInterpreter(copy, cache);
    assert.equal(cache.puts, 1);
    // chmod changes neither mtime nor size, so the cache key holds; running it would now fail.
    chmodSync(copy, 0o644);
    const second = await probeInterpreter(copy, cache);
    assert.deepEqual(second, first);
    assert.equal(cache.puts, 1);
    await assert.rejects(probeInterpreter(copy), NotAPython, "without the cache it would have spawned");
  } finally {
    removeDir(dir);
  }
});

test("Python 2 is refused clearly", async () => {
  const dir = makeTempDir("py2");
  try {
    const exe = python2(dir);
    await assert.rejects(probeInterpreter(exe), (error: unknown) => {
      assert.ok(error instanceof UnsupportedPython);
      assert.match(error.message, /Python 2|Python 2\.\d/);
      assert.match(error.message, /3\.6 or newer/);
      return true;
    });
  } finally {
    removeDir(dir);
  }
});

test("a program that answers {error: unsupported} is refused the same way", async () => {
  const dir = makeTempDir("py2json");
  try {
    const fake = join(dir, "python");
    writeFileSync(fake, '#!/bin/sh\necho \'{"error": "unsupported", "version": "2.7.18"}\'\n');
    chmodSync(fake, 0o755);
    await assert.rejects(probeInterpreter(fake), /Python 2\.7\.18, which omnipkg does not support/);
  } finally {
    removeDir(dir);
  }
});

test("paths that are not a Python fail with NotAPython naming the path", async () => {
  const dir = makeTempDir("notpy");
  try {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello\n");
    await assert.rejects(
      probeInterpreter(text),
      (e: unknown) => e instanceof NotAPython && e.message.includes(text),
    );
    await assert.rejects(probeInterpreter(join(dir, "missing")), /no such file/);
    const silent = join(dir, "true");
    writeFileSync(silent, "#!/bin/sh\necho hello\n");
    chmodSync(silent, 0o755);
    await assert.rejects(probeInterpreter(silent), /did not answer the interpreter probe/);
    await assert.rejects(probeInterpreter(dir), /not a file/);
  } finally {
    removeDir(dir);
  }
});
