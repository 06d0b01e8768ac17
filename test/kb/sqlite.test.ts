import { openKnowledgeBase } from "../../src/kb/index.ts";
import { tempHome } from "./fixtures.ts";
import { defineKbSuite } from "./suite.ts";

defineKbSuite("sqlite", async () => {
  const home = tempHome();
  return {
    open: () => openKnowledgeBase(home.layout, { url: "sqlite" }),
    reopen: () => openKnowledgeBase(home.layout, { url: "sqlite" }),
    cleanup: async () => home.cleanup(),
  };
});
