import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWheelFromSdist } from "../../src/build/buildWheel.ts";
import { extractSdist } from "../../src/build/extractSdist.ts";
import { requirePythons } from "../helpers/pythons.ts";

// An in-tree PEP 517 backend (found through backend-path) that writes a wheel with zipfile: it
// exercises the whole hook protocol with a real interpreter and no third-party build tools.
const BACKEND = `
import base64, hashlib, os, zipfile
def get_requires_for_build_wheel(config_settings=None):
    return []
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    print("backend chatter on stdout must not break the protocol")
    name = "tinypkg-1.0-py3-none-any.whl"
    files = {"tinypkg/__init__.py": b"VALUE = 42\\n",
             "tinypkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: tinypkg\\nVersion: 1.0\\n",
             "tinypkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append("tinypkg-1.0.dist-info/RECORD,,")
        z.writestr("tinypkg-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
    return name
`;

function makeSdist(dir: string, pyproject: string, backend = BACKEND): string {
  const root = join(dir, "tinypkg-1.0");
  mkdirSync(join(root, "backend"), { recursive: true });
  writeFileSync(join(root, "pyproject.toml"), pyproject);
  writeFileSync(join(root, "backend", "tiny_backend.py"), backend);
  const sdist = join(dir, "tinypkg-1.0.tar.gz");
  execFileSync("tar", ["-czf", sdist, "-C", dir, "tinypkg-1.0"]);
  return sdist;
}

test("an sdist with an in-tree backend builds into a wheel through the PEP 517 hooks", async () => {
  const [python] = requirePythons(1, 8);
  const dir = mkdtempSync(join(tmpdir(), "omnipkg-build-"));
  try {
    const sdist = makeSdist(
      dir,
      '[build-system]\nrequires = []\nbuild-backend = "tiny_backend"\nbackend-path = ["backend"]\n',
    );
    const installed: string[][] = [];
    const wheel = await buildWheelFromSdist(sdist, join(dir, "out"), {
      python: python!.path,
      tmpDir: join(dir, "tmp"),
      installRequirements: async (_env, reqs) => void installed.push(reqs),
    });
    assert.equal(wheel, join(dir, "out", "tinypkg-1.0-py3-none-any.whl"));
    assert.ok(existsSync(wheel));
    assert.deepEqual(installed, [], "no build requirements were declared");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("declared build requirements are handed to the install engine before the backend runs", async () => {
  const [python] = requirePythons(1, 8);
  const dir = mkdtempSync(join(tmpdir(), "omnipkg-build-"));
  try {
    const sdist = makeSdist(
      dir,
      '[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "tiny_backend"\nbackend-path = ["backend"]\n',
    );
    const installed: string[][] = [];
    await buildWheelFromSdist(sdist, join(dir, "out"), {
      python: python!.path,
      tmpDir: join(dir, "tmp"),
      installRequirements: async (env, reqs) => {
        assert.ok(existsSync(join(env, "pyvenv.cfg")), "requirements go into an isolated venv");
        installed.push(reqs);
      },
    });
    assert.deepEqual(installed, [["flit_core>=3.2"]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a failing backend gives a BUILD_FAILED error carrying the backend's message", async () => {
  const [python] = requirePythons(1, 8);
  const dir = mkdtempSync(join(tmpdir(), "omnipkg-build-"));
  try {
    const sdist = makeSdist(
      dir,
      '[build-system]\nrequires = []\nbuild-backend = "tiny_backend"\nbackend-path = ["backend"]\n',
      "def build_wheel(d, c=None, m=None):\n    raise RuntimeError('compiler exploded')\n",
    );
    await assert.rejects(
      buildWheelFromSdist(sdist, join(dir, "out"), {
        python: python!.path,
        tmpDir: join(dir, "tmp"),
        installRequirements: async () => {},
      }),
      (error: Error & { code?: string }) =>
        error.code === "BUILD_FAILED" && /compiler exploded/.test(error.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an sdist whose entries climb out of the target is refused and nothing escapes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "omnipkg-build-"));
  try {
    mkdirSync(join(dir, "a", "pkg-1.0"), { recursive: true });
    writeFileSync(join(dir, "a", "evil.txt"), "x");
    const sdist = join(dir, "pkg-1.0.tar.gz");
    // -P keeps the leading "../" so the archive really carries an escaping path.
    execFileSync("tar", ["-czPf", sdist, "-C", join(dir, "a", "pkg-1.0"), "../evil.txt"]);
    const dest = join(dir, "x", "y");
    await assert.rejects(extractSdist(sdist, dest), /unsafe entry "\.\.\/evil\.txt"/);
    assert.equal(existsSync(join(dir, "x", "evil.txt")), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
