import type { Command } from "commander";
import { register as registerPython } from "./python.ts";
import { register as registerList } from "./list.ts";
import { register as registerSwap } from "./swap.ts";
import { register as registerShellInit } from "./shellInit.ts";
import { register as registerStatus } from "./status.ts";
import { register as registerDoctor } from "./doctor.ts";
import { register as registerRun } from "./run.ts";
import { register as registerMultiverse } from "./multiverse.ts";
import { register as registerDaemon } from "./daemon.ts";
import { register as registerKb } from "./kb.ts";
import { register as registerConfig } from "./config.ts";
import { register as registerIndex } from "./indexCmd.ts";
import { register as registerStore } from "./store.ts";
import { register as registerCache } from "./cache.ts";
import { register as registerPackages } from "./packages.ts";
import { register as registerInstall } from "./install.ts";
import { register as registerHistory } from "./history.ts";
import { register as registerRevert } from "./revert.ts";
import { register as registerRebuildKb } from "./rebuildKb.ts";
import { register as registerPrune } from "./prune.ts";
import { register as registerStressTest } from "./stressTest.ts";

/**
 * Each command lives in its own file and exports `register(program)`. Registration must stay cheap:
 * a command's file imports only commander types and loads its engine inside the action.
 * Add one line per command file here.
 */
export function registerCommands(program: Command): void {
  registerPython(program);
  registerList(program);
  registerSwap(program);
  registerShellInit(program);
  registerStatus(program);
  registerDoctor(program);
  registerRun(program);
  registerMultiverse(program);
  registerDaemon(program);
  registerKb(program);
  registerConfig(program);
  registerIndex(program);
  registerStore(program);
  registerCache(program);
  registerPackages(program);
  registerInstall(program);
  registerHistory(program);
  registerRevert(program);
  registerRebuildKb(program);
  registerPrune(program);
  registerStressTest(program);
}
