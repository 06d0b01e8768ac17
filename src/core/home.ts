import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Every file omnipkg owns lives under one home folder. The layout is data so that tests and
 * commands agree on it without string-building paths in several places.
 */
export interface HomeLayout {
  root: string;
  /** Human-readable settings and the registry of adopted interpreters (TOML). */
  configFile: string;
  /** SQLite knowledge base (default backend). */
  kbFile: string;
  /** One managed virtual environment per adopted interpreter: envs/<id>/ */
  envsDir: string;
  /**
   * Symlink to the active managed environment. PATH gets `<active>/bin`, so `python`, `python3`,
   * `pythonX.Y`, `pip` and `pip3` all switch with one atomic rename (see docs/architecture.md).
   */
  activeLink: string;
  /** Folder the shell puts on PATH: always `<activeLink>/bin`. */
  shimsDir: string;
  /** Content-addressed file store. */
  storeDir: string;
  /** HTTP cache for the index client. */
  cacheDir: string;
  /** Lock files (home lock, per-environment locks). */
  locksDir: string;
  /** Scratch space on the same filesystem as everything else, so renames stay atomic. */
  tmpDir: string;
}

export function resolveHomeRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OMNIPKG_HOME) return resolve(env.OMNIPKG_HOME);
  const dataHome = env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homedir(), ".local", "share");
  return join(dataHome, "omnipkg");
}

export function homeLayout(root: string = resolveHomeRoot()): HomeLayout {
  return {
    root,
    configFile: join(root, "config.toml"),
    kbFile: join(root, "kb.sqlite"),
    envsDir: join(root, "envs"),
    activeLink: join(root, "active"),
    shimsDir: join(root, "active", "bin"),
    storeDir: join(root, "store"),
    cacheDir: join(root, "cache"),
    locksDir: join(root, "locks"),
    tmpDir: join(root, "tmp"),
  };
}
