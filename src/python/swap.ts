import type { InterpreterRecord } from "../core/config.ts";
import type { HomeLayout } from "../core/home.ts";
import { assertUsable, findAdopted } from "./adopted.ts";
import { fsyncDir } from "../core/atomicFs.ts";
import { pointActiveLink, withHomeLock } from "./homeState.ts";

/**
 * `swap python <VER>`: validate, then under the home lock rename the `active` link (the commit
 * point, see homeState.ts) and record the choice in the config. This module is on the hot path of
 * a 40 ms budget: it imports the config reader, the lock and atomic writes, and nothing that
 * probes, opens SQLite or talks to the network.
 */
export interface SwapResult {
  record: InterpreterRecord;
  previous: string | undefined;
  changed: boolean;
}

export async function swapPython(layout: HomeLayout, requestText: string): Promise<SwapResult> {
  return withHomeLock(layout, ({ config, save }) => {
    const record = findAdopted(config, requestText);
    assertUsable(record);
    const previous = config.activePython;
    // One directory fsync covers both renames (same folder): the config write does it.
    pointActiveLink(layout, record.id, { syncDir: false });
    if (previous !== record.id) {
      config.activePython = record.id;
      save(config);
    } else {
      fsyncDir(layout.root);
    }
    return { record, previous, changed: previous !== record.id };
  });
}
