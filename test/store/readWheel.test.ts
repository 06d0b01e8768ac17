import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OmnipkgError } from "../../src/core/errors.ts";
import {
  DEFAULT_LIMITS,
  readCentralDirectory,
  readWheel,
  type WheelEntry,
} from "../../src/store/readWheel.ts";
import { writeZip, type RawZipEntry } from "../helpers/buildWheel.ts";

/**
 * The lean reader (a wheel in memory, its central directory parsed without yauzl) must refuse
 * every malformed archive yauzl refuses, and hand over the same entries for good ones. Each case
 * damages one field of an otherwise valid archive built by test/helpers/buildWheel.ts.
 */

const WHEEL = "lean-1.0-py3-none-any.whl";

/** Offset of the first central-directory record (no comment: the end record is the last 22 bytes). */
function centralStart(zip: Buffer): number {
  return zip.readUInt32LE(zip.length - 22 + 16);
}

async function entriesOf(zip: Buffer): Promise<Array<WheelEntry & { text: string }>> {
  const seen: Array<WheelEntry & { text: string }> = [];
  await readWheel(
    WHEEL,
    async (entry, content) => {
      assert.ok(Buffer.isBuffer(content), "an in-memory wheel hands over buffers");
      seen.push({ ...entry, text: content.toString("utf8") });
    },
    DEFAULT_LIMITS,
    zip,
  );
  return seen;
}

async function expectRefused(
  zip: Buffer,
  code: string,
  pattern: RegExp,
  limits = DEFAULT_LIMITS,
): Promise<void> {
  await assert.rejects(
    readWheel(WHEEL, async () => {}, limits, zip),
    (error: unknown) => {
      assert.ok(error instanceof OmnipkgError, `expected an OmnipkgError, got ${String(error)}`);
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

const good: RawZipEntry[] = [
  { name: "lean/", data: "", unixMode: 0o040755 },
  { name: "lean/__init__.py", data: "X = 1\n" },
  { name: "lean/tool.sh", data: "#!/bin/sh\n", unixMode: 0o100755, stored: true },
];

describe("readWheel, lean path (wheels in memory)", () => {
  it("hands over every regular file with its bytes, size, CRC and executable bit", async () => {
    const entries = await entriesOf(writeZip(good));
    assert.deepEqual(
      entries.map((e) => [e.path, e.text, e.size, e.executable]),
      [
        ["lean/__init__.py", "X = 1\n", 6, false],
        ["lean/tool.sh", "#!/bin/sh\n", 10, true],
      ],
    );
  });

  it("checks every entry before handing over any: a bad last entry means no handler call", async () => {
    let calls = 0;
    const zip = writeZip([...good, { name: "../evil.py", data: "evil\n" }]);
    await assert.rejects(
      readWheel(
        WHEEL,
        async () => {
          calls += 1;
        },
        DEFAULT_LIMITS,
        zip,
      ),
      /escapes the wheel/,
    );
    assert.equal(calls, 0);
  });

  it("refuses bytes after the end record (wrong comment length)", async () => {
    await expectRefused(Buffer.concat([writeZip(good), Buffer.from("x")]), "WHEEL_CORRUPT", /comment/);
  });

  it("refuses a file without an end record", async () => {
    await expectRefused(Buffer.from("not a zip at all"), "WHEEL_CORRUPT", /no end of central directory/);
  });

  it("refuses a central-directory record without its signature", async () => {
    const zip = writeZip(good);
    zip.writeUInt32LE(0, centralStart(zip));
    await expectRefused(zip, "WHEEL_CORRUPT", /central directory record 0/);
  });

  it("refuses a central directory that runs past the end of the file", async () => {
    const zip = writeZip(good);
    zip.writeUInt32LE(zip.length - 30, zip.length - 22 + 16);
    await expectRefused(zip, "WHEEL_CORRUPT", /runs past the end|no valid signature/);
  });

  it("refuses an extra field longer than its record", async () => {
    const zip = writeZip([{ name: "lean/a.py", data: "A = 1\n" }]);
    // The 4 bytes after the name (the end record's signature) now read as an extra field header
    // whose length runs past the record.
    zip.writeUInt16LE(4, centralStart(zip) + 30);
    await expectRefused(zip, "WHEEL_CORRUPT", /extra field/);
  });

  it("refuses a local header without its signature", async () => {
    const zip = writeZip([{ name: "lean/a.py", data: "A = 1\n" }]);
    zip.writeUInt32LE(0, 0);
    await expectRefused(zip, "WHEEL_CORRUPT", /local header of "lean\/a\.py" is invalid/);
  });

  it("refuses a stored entry whose two sizes differ", async () => {
    const zip = writeZip([{ name: "lean/a.py", data: "A = 1\n", stored: true }]);
    const cd = centralStart(zip);
    zip.writeUInt32LE(zip.readUInt32LE(cd + 20) + 1, cd + 20);
    await expectRefused(zip, "WHEEL_CORRUPT", /stored entry "lean\/a\.py"/);
  });

  it("refuses an entry whose data runs past the end of the file", async () => {
    const zip = writeZip([{ name: "lean/a.py", data: "A = 1\n" }]);
    zip.writeUInt32LE(0x7fffffff, centralStart(zip) + 20);
    await expectRefused(zip, "WHEEL_CORRUPT", /runs past the end of the file/);
  });

  it("refuses an unknown compression method", async () => {
    const zip = writeZip([{ name: "lean/a.py", data: "A = 1\n" }]);
    zip.writeUInt16LE(12, centralStart(zip) + 10);
    await expectRefused(zip, "WHEEL_CORRUPT", /compression method 12/);
  });

  it("refuses encrypted entries, and strong encryption at once", async () => {
    const zip = writeZip([{ name: "lean/a.py", data: "A = 1\n" }]);
    const cd = centralStart(zip);
    zip.writeUInt16LE(zip.readUInt16LE(cd + 8) | 0x1, cd + 8);
    await expectRefused(zip, "WHEEL_CORRUPT", /is encrypted/);
    zip.writeUInt16LE(zip.readUInt16LE(cd + 8) | 0x40, cd + 8);
    await expectRefused(zip, "WHEEL_CORRUPT", /strong encryption/);
  });

  it("refuses an entry that inflates to more or fewer bytes than declared", async () => {
    for (const delta of [-1, 1]) {
      const zip = writeZip([{ name: "lean/a.py", data: "A = 1\n" }]);
      const cd = centralStart(zip);
      zip.writeUInt32LE(zip.readUInt32LE(cd + 24) + delta, cd + 24);
      await expectRefused(zip, "WHEEL_CORRUPT", /is \d+ bytes, the archive says/);
    }
  });

  it("refuses more entries than the limit before reading them", async () => {
    await expectRefused(writeZip(good), "WHEEL_UNSAFE", /3 entries, more than the limit of 2/, {
      ...DEFAULT_LIMITS,
      maxEntries: 2,
    });
  });

  it("leaves zip64 archives to yauzl", () => {
    const zip = writeZip(good);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    const withLocator = Buffer.concat([
      zip.subarray(0, zip.length - 22),
      locator,
      zip.subarray(zip.length - 22),
    ]);
    assert.equal(readCentralDirectory(WHEEL, withLocator, DEFAULT_LIMITS), undefined);
    assert.equal(readCentralDirectory(WHEEL, zip, DEFAULT_LIMITS)?.length, 3);
  });

  it("leaves legacy (code page 437) names to yauzl, which decodes them as before", async () => {
    const zip = writeZip([{ name: "lean/caf\u00e9.py", data: "C = 1\n" }]);
    const cd = centralStart(zip);
    zip.writeUInt16LE(zip.readUInt16LE(cd + 8) & ~0x800, cd + 8);
    assert.equal(readCentralDirectory(WHEEL, zip, DEFAULT_LIMITS), undefined);
    const entries = await entriesOf(zip);
    // UTF-8 bytes C3 A9 read as code page 437.
    assert.deepEqual(
      entries.map((e) => [e.path, e.text]),
      [["lean/caf\u251c\u2310.py", "C = 1\n"]],
    );
  });
});
