import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readMetadataNameVersion, readNameVersion } from "../../src/install/distInfo.ts";
import { makeTempDir, removeDir } from "../python/cliHarness.ts";

/**
 * Name and Version read from the head of a METADATA file must equal what the whole text gives:
 * headers longer than the first read, CRLF, a multi-byte character across the read boundary, no
 * blank line, Name after a long header block, and a missing file.
 */

describe("METADATA name and version from the file's head", () => {
  const dir = makeTempDir("dist-info");
  after(() => removeDir(dir));
  let n = 0;
  const check = (text: string): void => {
    const path = join(dir, `METADATA-${n++}`);
    writeFileSync(path, text);
    assert.deepEqual(readMetadataNameVersion(path), readNameVersion(text), JSON.stringify(text.slice(0, 80)));
  };
  const requires = (count: number, sep = "\n") =>
    Array.from({ length: count }, (_, i) => `Requires-Dist: dep-${i} >=1.0; extra == "x${i}"`).join(sep);

  it("matches the whole-text parse in every shape", () => {
    check("Metadata-Version: 2.1\nName: small\nVersion: 1.0\n\nLong description\n");
    check("Metadata-Version: 2.1\r\nName: crlf\r\nVersion: 2.0\r\n\r\nbody\r\n");
    check(`Metadata-Version: 2.1\nName: big\nVersion: 3.0\n${requires(400)}\n\n${"x".repeat(50_000)}\n`);
    // Name and Version only after the first read's worth of headers.
    check(`Metadata-Version: 2.1\n${requires(200)}\nName: late\nVersion: 4.0\n\nbody\n`);
    check(`Metadata-Version: 2.1\r\n${requires(200, "\r\n")}\r\nName: late-crlf\r\nVersion: 4.1\r\n`);
    // A multi-byte character straddling byte 4096, before the Name header.
    const pad = `Summary: ${"é".repeat(2100)}`;
    check(`Metadata-Version: 2.1\n${pad}\nName: accents\nVersion: 5.0\n\n`);
    // No blank line at all, and headers without Version.
    check(`Metadata-Version: 2.1\nName: noversion\n${requires(300)}`);
    check("Name: tiny\nVersion: 0.1");
    check("\nName: after-blank\nVersion: 1\n");
    check("");
  });

  it("is undefined for a missing file", () => {
    assert.equal(readMetadataNameVersion(join(dir, "absent")), undefined);
  });
});
