import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EnvState, Revision } from "../../src/kb/index.ts";
import { stateAfter } from "../../src/operations/revertState.ts";

/** Target states for revert when revisions predate snapshots (schema 2): rebuilt by undoing changes. */
function rev(number: number, changes: Partial<Revision>): Revision {
  return {
    envId: "e",
    number,
    command: `c${number}`,
    timeMs: number,
    added: [],
    removed: [],
    changed: [],
    movedIntoBubble: [],
    movedOutOfBubble: [],
    ...changes,
  };
}

const legacy: Revision[] = [
  rev(1, { added: [{ name: "a", version: "1", wheelSha256: "wa1" }] }),
  rev(2, { added: [{ name: "b", version: "1", wheelSha256: "wb1" }] }),
  rev(3, { movedIntoBubble: [{ name: "a", version: "2", wheelSha256: "wa2", bubble: "a-2" }] }),
  rev(4, {
    changed: [{ name: "a", version: "3", fromVersion: "1", wheelSha256: "wa3", fromWheelSha256: "wa1" }],
  }),
  rev(5, { removed: [{ name: "b", version: "1", wheelSha256: "wb1" }] }),
];

const now: EnvState = {
  main: [{ name: "a", version: "3", wheelSha256: "wa3" }],
  bubbles: [
    {
      folder: "a-2",
      name: "a",
      version: "2",
      dists: [{ name: "a", version: "2", wheelSha256: "wa2", location: "bubble", topLevel: ["a"] }],
    },
  ],
};

describe("stateAfter", () => {
  test("undoes removals, changes and bubble moves back from the current state", () => {
    assert.deepEqual(stateAfter(4, legacy, now).main, [
      { name: "a", version: "3", wheelSha256: "wa3" },
      { name: "b", version: "1", wheelSha256: "wb1" },
    ]);
    const at3 = stateAfter(3, legacy, now);
    assert.deepEqual(at3.main, [
      { name: "a", version: "1", wheelSha256: "wa1" },
      { name: "b", version: "1", wheelSha256: "wb1" },
    ]);
    assert.deepEqual(
      at3.bubbles.map((b) => b.folder),
      ["a-2"],
    );
    const at2 = stateAfter(2, legacy, now);
    assert.deepEqual(at2.bubbles, []);
    assert.deepEqual(stateAfter(0, legacy, now), { main: [], bubbles: [] });
  });

  test("starts from the nearest later snapshot, and a snapshot of N itself wins", () => {
    const snap: EnvState = { main: [{ name: "z", version: "9", wheelSha256: null }], bubbles: [] };
    const withSnapshot = [...legacy.slice(0, 2), { ...legacy[2]!, state: snap }, ...legacy.slice(3)];
    assert.deepEqual(stateAfter(3, withSnapshot, now), snap);
    // Revision 3 only moved a into a bubble, so before it main is the same as after it.
    assert.deepEqual(stateAfter(2, withSnapshot, now).main, snap.main);
    // b was added by 2 and is not in the snapshot; z was never touched by a revision, so it stays.
    assert.deepEqual(stateAfter(1, withSnapshot, now).main, snap.main);
  });

  test("never mutates the revisions or the current state", () => {
    const before = JSON.stringify([legacy, now]);
    stateAfter(0, legacy, now);
    assert.equal(JSON.stringify([legacy, now]), before);
  });
});
