import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildWheel, metadataText } from "../helpers/buildWheel.ts";
import type { ServedFile } from "../helpers/indexServer.ts";
import { snapshotTree } from "../install/envHelpers.ts";
import { assertBuilt, REPO, removeDir } from "../python/cliHarness.ts";
import { makeWorld, type World } from "./installFixtures.ts";
import { freshVenv, installedIn, requestsFor } from "./engineHelpers.ts";

/**
 * sdists end to end: only a .tar.gz on the index, built through PEP 517 by an in-tree backend
 * (backend-path, so no network), in an isolated build env that the install engine fills itself.
 * Every build appends the project's name to a log file named by ENGINE_BUILD_LOG, which is how the
 * tests see that a build happened, or did not.
 */

// Writes a minimal wheel for the project named by the source folder ("name-version").
const WHEEL_WRITER = `
import base64, hashlib, os, zipfile

def write_wheel(wheel_directory):
    name, version = os.path.basename(os.getcwd()).rsplit("-", 1)
    with open(os.environ["ENGINE_BUILD_LOG"], "a") as log:
        log.write(name + "\\n")
    base = "%s-%s" % (name, version)
    files = {
        name + "/__init__.py": ("VERSION = %r\\n" % version).encode(),
        base + ".dist-info/METADATA": ("Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (name, version)).encode(),
        base + ".dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    record = []
    wheel = base + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append(base + ".dist-info/RECORD,,")
        z.writestr(base + ".dist-info/RECORD", "\\n".join(record) + "\\n")
    return wheel
`;

const SELF_CONTAINED = `${WHEEL_WRITER}
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return write_wheel(wheel_directory)
`;

// Needs the "build-helper" wheel from the index in its build env.
const HELPED = `
import build_helper
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return build_helper.write_wheel(wheel_directory)
`;

const BROKEN = `
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("compiler exploded")
`;

function makeSdist(
  dir: string,
  name: string,
  requires: string[],
  backend: string,
  version = "1.0",
  folder = `${name}-${version}`,
): ServedFile {
  const root = join(dir, "src", folder);
  mkdirSync(join(root, "backend"), { recursive: true });
  writeFileSync(
    join(root, "pyproject.toml"),
    `[build-system]\nrequires = ${JSON.stringify(requires)}\nbuild-backend = "tiny_backend"\nbackend-path = ["backend"]\n`,
  );
  writeFileSync(join(root, "backend", "tiny_backend.py"), backend);
  const filename = `${name}-${version}.tar.gz`;
  execFileSync("tar", ["-czf", join(dir, filename), "-C", join(dir, "src"), folder]);
  return { filename, bytes: readFileSync(join(dir, filename)) };
}

/** Paths of the environments the home's knowledge base knows (read by a child, as the CLI would). */
async function knownEnvironments(home: string): Promise<string[]> {
  const script = [
    'import { homeLayout } from "./src/core/home.ts";',
    'import { openKnowledgeBase } from "./src/kb/index.ts";',
    "const kb = await openKnowledgeBase(homeLayout());",
    "console.log(JSON.stringify((await kb.listEnvironments()).map((e) => e.path)));",
    "await kb.close();",
  ].join("\n");
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: REPO,
    env: { ...process.env, OMNIPKG_HOME: home },
    encoding: "utf8",
  });
  return JSON.parse(out) as string[];
}

/** Files (not folders) under `dir`, relative. */
function leftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => !statSync(join(dir, p)).isDirectory())
    .sort();
}

describe("sdists built through PEP 517 by the install engine", () => {
  let w: World;
  let buildLog: string;
  const builds = (): string[] =>
    existsSync(buildLog) ? readFileSync(buildLog, "utf8").split("\n").filter(Boolean) : [];
  const cli = (args: string[]) => w.cli(args, { ENGINE_BUILD_LOG: buildLog });

  before(async () => {
    assertBuilt();
    w = await makeWorld([], "engine-sdist");
    buildLog = join(w.dir, "builds.log");
    const dir = join(w.dir, "sdists");
    mkdirSync(dir, { recursive: true });
    const helperSpec = {
      name: "build-helper",
      version: "1.0",
      files: { "build_helper/__init__.py": WHEEL_WRITER },
    };
    const helper = buildWheel(helperSpec, dir);
    const futureSpec = { name: "futuresd", version: "1.0" };
    const future = buildWheel(futureSpec, dir);
    w.server.setProjects([
      { project: "tinysd", files: [makeSdist(dir, "tinysd", [], SELF_CONTAINED)] },
      { project: "helped", files: [makeSdist(dir, "helped", ["build-helper>=1"], HELPED)] },
      { project: "broken", files: [makeSdist(dir, "broken", [], BROKEN)] },
      {
        // Its newest release is an sdist for a future Python: it must never be fetched or built.
        project: "futuresd",
        files: [
          { filename: future.filename, bytes: future.bytes, metadata: metadataText(futureSpec) },
          { ...makeSdist(dir, "futuresd", [], SELF_CONTAINED, "2.0"), requiresPython: ">=3.99" },
        ],
      },
      // Its backend builds a wheel of another project (the folder inside is "notliar-1.0").
      { project: "liar", files: [makeSdist(dir, "liar", [], SELF_CONTAINED, "1.0", "notliar-1.0")] },
      { project: "orphan", files: [makeSdist(dir, "orphan", ["no-such-helper"], SELF_CONTAINED)] },
      {
        project: "build-helper",
        files: [{ filename: helper.filename, bytes: helper.bytes, metadata: metadataText(helperSpec) }],
      },
    ]);
  });
  after(async () => {
    await w?.close();
    if (w) removeDir(w.dir);
  });

  test("an sdist-only project is built once and installed; a fresh env reuses the built wheel", async () => {
    const from = w.server.requests.length;
    const first = freshVenv(w);
    const r1 = await cli(["install", "tinysd", "--env", first]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.deepEqual(installedIn(first), { tinysd: "1.0" });
    assert.deepEqual(builds(), ["tinysd"], "built exactly once, for resolving and installing");
    assert.equal(requestsFor(w, "tinysd-1.0.tar.gz", from).length, 1, "the sdist is downloaded once");

    const again = w.server.requests.length;
    const second = freshVenv(w);
    const r2 = await cli(["install", "tinysd", "--env", second]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(installedIn(second), { tinysd: "1.0" });
    const imported = execFileSync(join(second, "bin", "python"), [
      "-c",
      "import tinysd; print(tinysd.VERSION)",
    ]);
    assert.equal(imported.toString().trim(), "1.0");
    assert.deepEqual(builds(), ["tinysd"], "no second build: the wheel came from the store");
    assert.equal(requestsFor(w, "tinysd-1.0.tar.gz", again).length, 0, "nor a second download");
  });

  test("a build requirement from the index is installed into the isolated build env", async () => {
    const from = w.server.requests.length;
    const venv = freshVenv(w);
    const r = await cli(["install", "helped", "--env", venv]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(installedIn(venv), { helped: "1.0" }, "build requirements stay out of the target");
    assert.ok(builds().includes("helped"));
    assert.equal(requestsFor(w, "build_helper-1.0-py3-none-any.whl", from).length, 1);
    assert.deepEqual(
      (await knownEnvironments(w.home)).filter((path) => !path.startsWith(w.dir + "/venv")),
      [],
      "the throwaway build env is not left in the knowledge base",
    );
  });

  test("a failing build is a clear BUILD_FAILED error and changes nothing", async () => {
    const venv = freshVenv(w);
    const snapshot = snapshotTree(venv);
    const r = await cli(["install", "broken", "--env", venv]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Building a wheel from broken-1\.0\.tar\.gz failed/);
    assert.match(r.stderr, /compiler exploded/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace of omnipkg's own");
    assert.deepEqual(snapshotTree(venv), snapshot);
    assert.deepEqual(leftovers(join(w.home, "tmp")), [], "no sdist, build folder or wheel left behind");
  });

  test("a build that yields another project's wheel is refused before it reaches the store", async () => {
    const venv = freshVenv(w);
    const store = leftovers(join(w.home, "store"));
    const r = await cli(["install", "liar", "--env", venv]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Building liar-1\.0\.tar\.gz produced notliar-1\.0-py3-none-any\.whl/);
    assert.deepEqual(installedIn(venv), {});
    assert.deepEqual(leftovers(join(w.home, "store")), store, "the store is unchanged");
    assert.deepEqual(leftovers(join(w.home, "tmp")), []);
  });

  test("an sdist ruled out by Requires-Python is neither downloaded nor built", async () => {
    const from = w.server.requests.length;
    const venv = freshVenv(w);
    const r = await cli(["install", "futuresd", "--env", venv]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(installedIn(venv), { futuresd: "1.0" });
    assert.equal(requestsFor(w, "futuresd-2.0.tar.gz", from).length, 0);
    assert.ok(!builds().includes("futuresd"));
    const pinned = await cli(["install", "futuresd==2.0", "--env", venv]);
    assert.equal(pinned.code, 1);
    assert.match(pinned.stderr, /futuresd==2\.0 requires Python >=3\.99/);
    assert.ok(!builds().includes("futuresd"), "not even when asked for by version");
  });

  test("a build requirement that cannot be installed fails the build with that reason", async () => {
    const venv = freshVenv(w);
    const snapshot = snapshotTree(venv);
    const r = await cli(["install", "orphan", "--env", venv]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Building a wheel from orphan-1\.0\.tar\.gz failed: its build requirements \(no-such-helper\)/,
    );
    assert.match(r.stderr, /no-such-helper/);
    assert.deepEqual(snapshotTree(venv), snapshot);
    assert.ok(!builds().includes("orphan"), "the backend never ran");
  });
});
