import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { InterpreterRecord } from "../core/config.ts";
import { OmnipkgError } from "../core/errors.ts";
import type { HomeLayout } from "../core/home.ts";
import { findAdopted } from "./adopted.ts";
import { withHomeLock } from "./homeState.ts";

/**
 * `python remove <VER>`: forget an interpreter and delete its managed environment. The interpreter
 * itself is never touched (it was referenced in place). The active one is refused: the shims would
 * point at nothing. The registration goes first, then the folder is moved aside and deleted, so a
 * kill leaves at worst an unregistered folder that `rescan` and `adopt` clean up.
 */
export async function removePython(layout: HomeLayout, requestText: string): Promise<InterpreterRecord> {
  return withHomeLock(layout, ({ config, save }) => {
    const record = findAdopted(config, requestText);
    if (config.activePython === record.id) {
      throw new OmnipkgError(
        "REMOVE_ACTIVE",
        `Python ${record.id} is the active interpreter and cannot be removed.`,
        {
          hint: "Switch to another one first with `omnipkg swap python <VERSION>`.",
        },
      );
    }
    delete config.interpreters[record.id];
    save(config);
    const aside = join(layout.tmpDir, `removing-${record.id}-${process.pid}`);
    try {
      renameSync(record.envDir, aside);
      rmSync(aside, { recursive: true, force: true });
    } catch {
      rmSync(record.envDir, { recursive: true, force: true });
    }
    return record;
  });
}
