import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { OmnipkgError } from "../../src/core/errors.ts";
import { createStore, type WriteFaults } from "../../src/store/index.ts";
import { buildWheel, recordHash, type WheelSpec } from "../helpers/buildWheel.ts";
import { listTree, tempDirFactory } from "./storeDirs.ts";

/**
 * Every refused wheel leaves the store exactly as it was: no content file, no manifest, no temp.
 * Each case starts from a store that already holds one good wheel, so "as it was" is not "empty".
 */

const mounts: string[] = [];
const tempDir = tempDirFactory("faults", () => {
  for (const mount of mounts) execFileSync("umount", [mount]);
});

const base: WheelSpec = {
  name: "victim",
  version: "1.0",
  files: { "victim/__init__.py": "V = 1\n", "victim/big.py": "B = 2\n" },
};

async function expectRefused(
  spec: WheelSpec | Buffer,
  code: string,
  pattern: RegExp,
  options: { expectedSha256?: string; faults?: WriteFaults; storeDir?: string } = {},
): Promise<void> {
  const root = tempDir();
  const storeDir = options.storeDir ?? join(root, "store");
  const seed = createStore(storeDir);
  await seed.importWheel(
    buildWheel({ name: "seed", version: "1.0", files: { "seed/__init__.py": "S = 1\n" } }, root).path,
  );
  const before = listTree(storeDir);
  let path: string;
  if (Buffer.isBuffer(spec)) {
    path = join(root, "victim-1.0-py3-none-any.whl");
    writeFileSync(path, spec);
  } else path = buildWheel(spec, root).path;
  const store = createStore(storeDir, { faults: options.faults });
  await assert.rejects(
    store.importWheel(path, { expectedSha256: options.expectedSha256 }),
    (error: unknown) => {
      assert.ok(error instanceof OmnipkgError, `expected an OmnipkgError, got ${String(error)}`);
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      assert.ok(error.hint);
      return true;
    },
  );
  assert.deepEqual(listTree(storeDir), before, "the store changed");
}

describe("importWheel refuses bad wheels and leaves the store unchanged", () => {
  it("hash mismatch", async () => {
    await expectRefused(
      base,
      "HASH_MISMATCH",
      /victim-1\.0-py3-none-any\.whl has sha256 [0-9a-f]{64}, but the index promised 0{64}/,
      {
        expectedSha256: "0".repeat(64),
      },
    );
  });

  it("truncated wheel", async () => {
    const whole = buildWheel(base, tempDir()).bytes;
    await expectRefused(
      whole.subarray(0, Math.floor(whole.length * 0.7)),
      "WHEEL_CORRUPT",
      /not a valid wheel/,
    );
  });

  it("bad CRC", async () => {
    await expectRefused(
      { ...base, rawEntries: [{ name: "victim/extra.py", data: "E = 1\n", crcOverride: 1234 }] },
      "WHEEL_CORRUPT",
      /CRC-32 of victim\/extra\.py/,
    );
  });

  it("bad CRC of an entry larger than 4 MiB (inflated in one piece)", async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 7);
    await expectRefused(
      { ...base, rawEntries: [{ name: "victim/big.bin", data: big, crcOverride: 1234 }] },
      "WHEEL_CORRUPT",
      /CRC-32 of victim\/big\.bin/,
    );
  });

  const unsafe: Array<[string, string, RegExp]> = [
    ["../ path", "../evil.py", /"\.\.\/evil\.py"|invalid relative path|escapes/],
    ["nested ../", "victim/../../evil.py", /escapes|invalid relative path/],
    ["absolute path", "/tmp/evil.py", /absolute path/],
    ["drive letter", "C:/evil.py", /absolute path|drive letter/],
    ["backslash", "victim\\..\\..\\evil.py", /backslash|invalid characters/],
    ["dot segment", "victim/./x.py", /"\." path segment/],
  ];
  for (const [label, name, pattern] of unsafe) {
    it(label, async () => {
      await expectRefused({ ...base, rawEntries: [{ name, data: "evil\n" }] }, "WHEEL_UNSAFE", pattern);
    });
  }

  it("symlink entry", async () => {
    await expectRefused(
      { ...base, rawEntries: [{ name: "victim/link", data: "/etc/passwd", unixMode: 0o120777 }] },
      "WHEEL_UNSAFE",
      /symbolic link/,
    );
  });

  it("duplicate entry", async () => {
    await expectRefused(
      { ...base, rawEntries: [{ name: "victim/__init__.py", data: "import os\n" }] },
      "WHEEL_UNSAFE",
      /appears twice/,
    );
  });

  it("zip bomb (a highly compressible entry beyond the ratio limit)", async () => {
    const zeros = Buffer.alloc(20 * 1024 * 1024);
    await expectRefused(
      { ...base, rawEntries: [{ name: "victim/zeros.bin", data: zeros }] },
      "WHEEL_UNSAFE",
      /zip bomb/,
    );
  });

  it("RECORD that lies about a hash", async () => {
    await expectRefused(
      { ...base, recordOverrides: { "victim/big.py": `${recordHash(Buffer.from("something else"))},6` } },
      "RECORD_MISMATCH",
      /sha256 of victim\/big\.py differs/,
    );
  });

  it("a file RECORD does not list", async () => {
    await expectRefused(
      { ...base, rawEntries: [{ name: "victim/smuggled.py", data: "import os\n" }] },
      "RECORD_MISMATCH",
      /victim\/smuggled\.py is not listed/,
    );
  });

  it("no RECORD at all", async () => {
    await expectRefused({ ...base, omitRecord: true }, "WHEEL_CORRUPT", /RECORD is missing/);
  });

  it("full disk (injected ENOSPC on the second write)", async () => {
    let writes = 0;
    const faults: WriteFaults = {
      beforeWrite: () => {
        writes += 1;
        if (writes === 2)
          throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
            code: "ENOSPC",
            syscall: "write",
          });
      },
    };
    await expectRefused(base, "NO_SPACE", /not enough disk space/, { faults });
  });

  it("full disk (a real 1 MiB tmpfs, when this process may mount one)", async (t) => {
    const mount = tempDir();
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], { stdio: "ignore" });
    } catch {
      // Not root, or no CAP_SYS_ADMIN: the injected ENOSPC case above covers the code path.
      t.skip("cannot mount a tmpfs here");
      return;
    }
    mounts.push(mount);
    mkdirSync(join(mount, "store"));
    // Incompressible data, so the wheel itself stays outside the tmpfs and the store fills up.
    const noise = Buffer.alloc(700 * 1024);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    await expectRefused(
      {
        ...base,
        files: { ...base.files, "victim/a.bin": noise, "victim/b.bin": Buffer.from(noise).reverse() },
      },
      "NO_SPACE",
      /not enough disk space/,
      {
        storeDir: join(mount, "store"),
      },
    );
  });
});
