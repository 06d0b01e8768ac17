import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRootRequirement } from "../../src/operations/directRequirements.ts";
import { InvalidRequirement, parseRequirement } from "../../src/standards/index.ts";

test("a bare name built without the parser equals the parser's requirement", () => {
  for (const text of ["pandas", "A", "x1", "Foo_Bar", "zope.interface", "a-b.c_d", "9lives", "numpy.whl"]) {
    const fast = parseRootRequirement(text);
    assert.deepStrictEqual(fast, parseRequirement(text), text);
    assert.equal(String(fast), String(parseRequirement(text)));
    assert.equal(fast.specifier.contains("1.0"), true);
  }
  // Everything else goes through the parser, errors included.
  for (const text of [
    "pandas>=2",
    "rich[jupyter]",
    'six; python_version < "3"',
    " pandas",
    "x @ https://e.x/x.whl",
  ]) {
    assert.deepStrictEqual(parseRootRequirement(text), parseRequirement(text), text);
  }
  for (const text of ["-bad", "bad-", "a b", ""]) {
    assert.throws(() => parseRootRequirement(text), InvalidRequirement, text);
  }
});
