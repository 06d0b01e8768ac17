import { readConfig, type OmnipkgConfig } from "../core/config.ts";
import type { HomeLayout } from "../core/home.ts";
import { mapWriteError } from "./homeState.ts";

/**
 * The config, after adopting the default python3 when nothing is adopted yet ("first use"). The
 * adopt machinery and the knowledge base are loaded only in that case, so on every later run this
 * costs one config read.
 */
export async function readConfigEnsuringPython(
  layout: HomeLayout,
  onProgress: (message: string) => void = (m) => process.stderr.write(m + "\n"),
): Promise<OmnipkgConfig> {
  let config: OmnipkgConfig;
  try {
    config = readConfig(layout.configFile);
  } catch (error) {
    throw mapWriteError(layout, error);
  }
  if (Object.keys(config.interpreters).length > 0) return config;
  const [{ ensureDefaultAdopted }, { withKnowledgeBase }] = await Promise.all([
    import("./adopt.ts"),
    import("./probeCache.ts"),
  ]);
  await withKnowledgeBase(layout, (kb) => ensureDefaultAdopted(layout, config, { cache: kb, onProgress }), {
    forWrite: true,
  });
  return readConfig(layout.configFile);
}
