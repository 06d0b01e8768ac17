import assert from "node:assert/strict";
import { homeLayout } from "../../src/core/home.ts";
import { openKnowledgeBase, type KnowledgeBase } from "../../src/kb/index.ts";
import { startRedisServer } from "../helpers/redisServer.ts";
import { tempHome } from "./fixtures.ts";
import { defineKbSuite } from "./suite.ts";

defineKbSuite("redis", async () => {
  const server = await startRedisServer();
  const homes: (() => void)[] = [];
  return {
    create: async () => {
      const home = tempHome();
      homes.push(home.cleanup);
      const url = server.url(0);
      return { kb: await openKnowledgeBase(home.layout, { url }), home: home.layout.root, url };
    },
    reopen: (h): Promise<KnowledgeBase> => openKnowledgeBase(homeLayout(h.home), { url: h.url }),
    cleanup: async () => {
      homes.forEach((c) => c());
      assert.deepEqual(server.leftovers(), [], "redis-server must leave no persistence files");
      await server.stop();
    },
  };
});
