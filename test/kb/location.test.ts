import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { KbUrlInvalid, resolveKbLocation } from "../../src/kb/index.ts";
import { isSqliteExperimentalWarning } from "../../src/kb/sqlite/loadSqlite.ts";
import { ensureHomeId, homeIdFile } from "../../src/kb/homeId.ts";
import { tempHome } from "./fixtures.ts";

describe("where the knowledge base lives", () => {
  it("defaults to the SQLite file, follows OMNIPKG_KB, then config.toml's kb.url", () => {
    const home = tempHome();
    try {
      assert.deepEqual(resolveKbLocation(home.layout, { env: {} }), {
        backend: "sqlite",
        file: home.layout.kbFile,
      });
      writeFileSync(home.layout.configFile, '[kb]\nurl = "redis://cache.example:6380/4"\n');
      assert.deepEqual(resolveKbLocation(home.layout, { env: {} }), {
        backend: "redis",
        url: "redis://cache.example:6380/4",
        display: "redis://cache.example:6380/4",
      });
      const fromEnv = resolveKbLocation(home.layout, { env: { OMNIPKG_KB: "redis://:s3cret@h:1/2" } });
      assert.equal(fromEnv.backend, "redis");
      assert.equal(fromEnv.backend === "redis" && fromEnv.display, "redis://h:1/2");
      assert.equal(resolveKbLocation(home.layout, { env: { OMNIPKG_KB: "sqlite" } }).backend, "sqlite");
      assert.equal(
        resolveKbLocation(home.layout, { url: "sqlite", env: { OMNIPKG_KB: "redis://h/0" } }).backend,
        "sqlite",
      );
    } finally {
      home.cleanup();
    }
  });

  it("rejects a bad location with a usage error that does not echo the password", () => {
    const home = tempHome();
    try {
      for (const url of ["mysql://u:topsecret@h/1", "redis://u:topsecret@h/notanumber", "not a url"]) {
        assert.throws(
          () => resolveKbLocation(home.layout, { url }),
          (e: unknown) => e instanceof KbUrlInvalid && e.exitCode === 2 && !e.message.includes("topsecret"),
        );
      }
    } finally {
      home.cleanup();
    }
  });

  it("makes one home id and keeps it", () => {
    const home = tempHome();
    try {
      const id = ensureHomeId(home.layout);
      assert.match(id, /^[0-9a-f]{32}$/);
      assert.equal(ensureHomeId(home.layout), id);
      writeFileSync(homeIdFile(home.layout), "garbage\n");
      assert.throws(() => ensureHomeId(home.layout), /does not hold a home id/);
    } finally {
      home.cleanup();
    }
  });

  it("silences exactly node:sqlite's experimental warning", () => {
    assert.equal(
      isSqliteExperimentalWarning("SQLite is an experimental feature", "ExperimentalWarning"),
      true,
    );
    const warning = Object.assign(new Error("SQLite is an experimental feature and might change"), {
      name: "ExperimentalWarning",
    });
    assert.equal(isSqliteExperimentalWarning(warning, undefined), true);
    assert.equal(isSqliteExperimentalWarning("The fetch API is experimental", "ExperimentalWarning"), false);
    assert.equal(isSqliteExperimentalWarning("sqlite thing", "DeprecationWarning"), false);
  });
});
