import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import {
  formatRecord,
  hexFromRecordHash,
  parseRecord,
  quoteField,
  recordHashFromHex,
  recordHashesFromHex,
} from "../../src/store/index.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("RECORD hashes", () => {
  it("converts many digests at once exactly like one by one", () => {
    const hexes = Array.from({ length: 300 }, (_, i) => sha(`file ${i}`));
    hexes.push("f".repeat(64), "0".repeat(64), sha("x").toUpperCase());
    const batch = recordHashesFromHex(hexes);
    assert.deepEqual(
      batch,
      hexes.map((hex) => recordHashFromHex(hex)),
    );
    for (const [i, hash] of batch.entries()) {
      assert.match(hash, /^sha256=[A-Za-z0-9_-]{43}$/);
      assert.equal(hexFromRecordHash(hash), hexes[i]!.toLowerCase());
    }
  });

  it("a malformed digest does not shift the others", () => {
    const good = [sha("a"), sha("b"), sha("c")];
    for (const bad of [sha("x").slice(0, 63), `${sha("y").slice(0, 30)}zz${sha("y").slice(32)}`, ""]) {
      const hexes = [good[0]!, bad, good[1]!, good[2]!];
      assert.deepEqual(
        recordHashesFromHex(hexes),
        hexes.map((hex) => recordHashFromHex(hex)),
      );
    }
    assert.deepEqual(recordHashesFromHex([]), []);
  });

  it("quotes a path field like Python's csv module", () => {
    assert.equal(quoteField("a/b.py"), "a/b.py");
    assert.equal(quoteField('a,"b".py'), '"a,""b"".py"');
    const rows = [{ path: 'odd,"name".py', hash: recordHashFromHex(sha("z")), size: "3" }];
    assert.deepEqual(parseRecord(formatRecord(rows)), rows);
  });
});
