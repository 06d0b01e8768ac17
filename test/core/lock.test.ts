import assert from "node:assert/strict";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { acquireLock, EMPTY_LOCK_GRACE_MS } from "../../src/core/lock.ts";
import { makeTempDir, removeDir } from "../python/cliHarness.ts";

/**
 * A lock file left empty by a process killed between creating it and writing its pid: taken over
 * once it is older than the grace period, waited for while it is younger (its owner may be
 * writing the pid right now).
 */

describe("lock files without an owner", () => {
  const dir = makeTempDir("core-lock");
  after(() => removeDir(dir));

  it("an old empty lock is stale and taken over", () => {
    const path = join(dir, "old.lock");
    writeFileSync(path, "");
    const past = (Date.now() - EMPTY_LOCK_GRACE_MS - 1_000) / 1000;
    utimesSync(path, past, past);
    const lock = acquireLock(path, { timeoutMs: 2_000 });
    assert.equal(readFileSync(path, "utf8").trim(), String(process.pid));
    lock.release();
    assert.ok(!existsSync(path));
  });

  it("a fresh empty lock is waited for", () => {
    const path = join(dir, "fresh.lock");
    writeFileSync(path, "");
    let waited = false;
    assert.throws(
      () => acquireLock(path, { timeoutMs: 200, onWait: () => (waited = true) }),
      (error: Error & { code?: string }) => error.code === "LOCK_TIMEOUT",
    );
    assert.ok(waited);
    assert.equal(readFileSync(path, "utf8"), "", "the lock was left alone");
  });
});
