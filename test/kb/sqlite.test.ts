import { homeLayout } from "../../src/core/home.ts";
import { openKnowledgeBase, type KnowledgeBase } from "../../src/kb/index.ts";
import { tempHome } from "./fixtures.ts";
import { defineKbSuite } from "./suite.ts";

defineKbSuite("sqlite", async () => {
  const homes: (() => void)[] = [];
  return {
    create: async () => {
      const home = tempHome();
      homes.push(home.cleanup);
      return {
        kb: await openKnowledgeBase(home.layout, { url: "sqlite" }),
        home: home.layout.root,
        url: "sqlite",
      };
    },
    reopen: (h): Promise<KnowledgeBase> => openKnowledgeBase(homeLayout(h.home), { url: "sqlite" }),
    cleanup: async () => homes.forEach((c) => c()),
  };
});
