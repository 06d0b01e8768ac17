import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { startRedisServer, type RedisServer } from "../helpers/redisServer.ts";
import { tempHome } from "./fixtures.ts";

/** An SQLite user never loads ioredis, and a Redis user never loads node:sqlite. */
const CHILD = fileURLToPath(new URL("./lazyLoad.child.ts", import.meta.url));

function loaded(root: string, url: string): { backend: string; ioredis: boolean; sqlite: boolean } {
  const result = spawnSync(process.execPath, ["--import", "tsx", CHILD, root, url], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "", "no warning printed (node:sqlite's experimental warning is silenced)");
  return JSON.parse(result.stdout) as { backend: string; ioredis: boolean; sqlite: boolean };
}

describe("backends load lazily", () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await server.stop();
  });

  it("SQLite loads node:sqlite and not ioredis; Redis the other way round", () => {
    const home = tempHome();
    try {
      assert.deepEqual(loaded(home.layout.root, "sqlite"), {
        backend: "sqlite",
        ioredis: false,
        sqlite: true,
      });
      assert.deepEqual(loaded(home.layout.root, server.url(0)), {
        backend: "redis",
        ioredis: true,
        sqlite: false,
      });
    } finally {
      home.cleanup();
    }
  });
});
