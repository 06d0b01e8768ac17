import { join } from "node:path";
import { OmnipkgError } from "../core/errors.ts";
import type { HomeLayout } from "../core/home.ts";
import { createIndexClient, loadIndexSettings, type IndexFlags } from "../index/index.ts";
import type { KnowledgeBase } from "../kb/index.ts";
import type { InterpreterFacts } from "../python/index.ts";
import { resolve } from "../resolve/index.ts";
import type { Store, WheelManifest } from "../store/index.ts";
import { createDistSource } from "./distSource.ts";
import { createIndexProvider } from "./indexProvider.ts";
import type { PackageRef } from "./install.ts";

/**
 * Exact `name==version` wheels into the store, without touching any environment: what revert
 * needs when a wheel it must put back was collected from the store. Each pin is resolved alone with
 * no dependencies (the target state already lists every distribution) and nothing counts as
 * installed, so the index's file is always the one chosen.
 */
export class RevertNeedsDownload extends OmnipkgError {
  constructor(missing: PackageRef[], why: string) {
    const names = missing.map((p) => `${p.name}==${p.version}`).join(", ");
    super(
      "REVERT_NEEDS_DOWNLOAD",
      `Cannot revert: ${names} ${missing.length === 1 ? "is" : "are"} not in the store and ${why}; nothing was changed.`,
      {
        hint: "Run the revert again with the index reachable (without --offline), or pick a revision whose wheels are still stored.",
      },
    );
  }
}

export interface FetchPinnedOptions {
  layout: HomeLayout;
  kb: KnowledgeBase;
  store: Store;
  facts: InterpreterFacts;
  indexFlags: IndexFlags;
  onFetch?: (pin: PackageRef) => void;
}

export function isOffline(layout: HomeLayout, indexFlags: IndexFlags): boolean {
  return loadIndexSettings({ flags: indexFlags, cacheDir: join(layout.cacheDir, "http") }).offline.value;
}

export async function fetchPinnedWheels(
  pins: PackageRef[],
  options: FetchPinnedOptions,
): Promise<Map<string, WheelManifest>> {
  const out = new Map<string, WheelManifest>();
  if (pins.length === 0) return out;
  const settings = loadIndexSettings({
    flags: options.indexFlags,
    cacheDir: join(options.layout.cacheDir, "http"),
  });
  if (settings.offline.value) throw new RevertNeedsDownload(pins, "omnipkg is offline");
  const client = createIndexClient(settings);
  try {
    const source = createDistSource({
      client,
      store: options.store,
      kb: options.kb,
      facts: options.facts,
      tmpDir: options.layout.tmpDir,
    });
    const provider = createIndexProvider({
      client,
      source,
      facts: options.facts,
      installed: new Map(),
      noDeps: true,
      allowSdists: false,
    });
    for (const pin of pins) {
      options.onFetch?.(pin);
      try {
        const resolution = await resolve([`${pin.name}==${pin.version}`], provider, {
          env: options.facts.marker_env,
          pythonVersion: options.facts.version_info.slice(0, 3).join("."),
          pre: true,
        });
        const file = resolution.packages.get(pin.name)?.candidate.file;
        if (!file) throw new Error("the index has no wheel of it");
        out.set(`${pin.name}==${pin.version}`, await source.wheel(file));
      } catch (error) {
        const detail = error instanceof Error ? error.message.replace(/\.$/, "") : String(error);
        throw new RevertNeedsDownload([pin], `fetching it from the index failed (${detail})`);
      }
    }
    return out;
  } finally {
    await client.close();
  }
}
