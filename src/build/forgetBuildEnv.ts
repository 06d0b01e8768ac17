import { realpathSync } from "node:fs";
import type { KnowledgeBase } from "../kb/index.ts";

/**
 * A build environment is filled by the ordinary install engine, which records every environment it
 * touches in the knowledge base. The build env is deleted minutes later, so its records (and the
 * interpreter record a plain venv target gets under its own id) are dropped once its requirements
 * are in: otherwise each sdist build would leave a dead environment behind in status, history and
 * the store's reference counting.
 */
export async function forgetBuildEnv(kb: KnowledgeBase, envDir: string): Promise<void> {
  let real = envDir;
  try {
    real = realpathSync(envDir);
  } catch {
    // already gone: match on the path as given
  }
  for (const env of await kb.listEnvironments()) {
    if (env.path !== envDir && env.path !== real) continue;
    await kb.removeEnvironment(env.id);
    if (env.interpreterId === env.id && (await kb.getInterpreter(env.id))) await kb.removeInterpreter(env.id);
  }
}

/** Run `install` for a build env and forget that env in the knowledge base afterwards, even on failure. */
export async function installForgotten(
  kb: KnowledgeBase,
  envDir: string,
  install: () => Promise<void>,
): Promise<void> {
  try {
    await install();
  } finally {
    // Best effort: a leftover record is harmless next to hiding why the install failed.
    await forgetBuildEnv(kb, envDir).catch(() => {});
  }
}
