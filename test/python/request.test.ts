import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseInterpreterRequest, versionMatches, compareVersionStrings } from "../../src/python/request.ts";
import { findPythonVersionFile, parsePythonVersionFile } from "../../src/python/pythonVersionFile.ts";
import { findAdopted } from "../../src/python/adopted.ts";
import { emptyConfig } from "../../src/core/config.ts";
import { NotAdopted } from "../../src/python/errors.ts";
import { UsageError } from "../../src/core/errors.ts";
import { makeTempDir, removeDir } from "./cliHarness.ts";

test("requests: versions, partial versions, free-threaded and paths", () => {
  assert.deepEqual(parseInterpreterRequest("3.9"), {
    kind: "version",
    text: "3.9",
    parts: [3, 9],
    freeThreaded: false,
  });
  assert.deepEqual(parseInterpreterRequest("python3.13t"), {
    kind: "version",
    text: "python3.13t",
    parts: [3, 13],
    freeThreaded: true,
  });
  assert.deepEqual(parseInterpreterRequest("./bin/python", "/x"), {
    kind: "path",
    text: "./bin/python",
    path: "/x/bin/python",
  });
  assert.throws(() => parseInterpreterRequest("three"), UsageError);
  const r = parseInterpreterRequest("3.9");
  assert.ok(r.kind === "version" && versionMatches(r, "3.9.18", false));
  assert.ok(r.kind === "version" && !versionMatches(r, "3.10.1", false));
  assert.ok(r.kind === "version" && !versionMatches(r, "3.9.18", true));
  assert.ok(compareVersionStrings("3.10.0", "3.9.18") > 0);
});

test("adopted matching: exact id, newest of a minor, and a clear error listing what is adopted", () => {
  const config = emptyConfig();
  for (const version of ["3.9.17", "3.9.18", "3.11.7"]) {
    config.interpreters[version] = {
      id: version,
      implementation: "cpython",
      version,
      path: `/nowhere/${version}/python`,
      source: "pyenv",
      envDir: `/nowhere/envs/${version}`,
      adoptedAt: "",
    };
  }
  assert.equal(findAdopted(config, "3.9").id, "3.9.18");
  assert.equal(findAdopted(config, "3.9.17").id, "3.9.17");
  assert.equal(findAdopted(config, "3").id, "3.11.7");
  assert.throws(
    () => findAdopted(config, "3.12"),
    (e: unknown) => e instanceof NotAdopted && /3\.11\.7, 3\.9\.18, 3\.9\.17/.test(e.message),
  );
});

test(".python-version is found upwards and read like pyenv and uv do", () => {
  assert.equal(parsePythonVersionFile("# comment\n\n  3.11  \n3.9\n"), "3.11");
  assert.equal(parsePythonVersionFile("\n"), undefined);
  const dir = makeTempDir("pyver");
  try {
    const deep = join(dir, "a", "b");
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(dir, "a", ".python-version"), "3.10.13\n");
    assert.deepEqual(findPythonVersionFile(deep), {
      path: join(dir, "a", ".python-version"),
      request: "3.10.13",
    });
  } finally {
    removeDir(dir);
  }
});
