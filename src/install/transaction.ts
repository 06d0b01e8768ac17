import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { acquireLock } from "../core/lock.ts";
import { InstallError } from "./errors.ts";
import { fsyncDir, writeFileAtomic } from "../core/atomicFs.ts";
import { createDebug } from "../core/debug.ts";
import type { InstallScheme } from "./scheme.ts";
import type { LinkFolder } from "./parallelLinks.ts";

/**
 * One install or uninstall is one transaction: the environment is seen before or after, never half.
 *
 * 1. Prepare: every new file is staged under `<site-packages>/.omnipkg-txn/new/<path in the env>`
 *    (same filesystem, so the final step is rename(2)). The environment is untouched; a crash here
 *    is rolled back by deleting the staging folder. A folder that does not exist in the environment
 *    yet (a new package, a new dist-info) is staged whole and later moved in by one rename: numpy's
 *    1,500 files cost one journal step, not 1,500 (and its contents appear all at once).
 *    Links from the store and written files may be staged in bulk on two threads
 *    (plan.stageLinks), and the staged folders made by a helper while the install is still being
 *    planned (prepareStaging): staging is finished, or has failed and stopped, before anything
 *    below happens.
 * 2. Commit: `journal.json` lists every removal and every put, written with fsync + rename. Its
 *    existence is the commit point: from now on recovery rolls forward (every new file is staged,
 *    so forward always succeeds).
 * 3. Apply: removed files and files about to be replaced are first renamed aside into
 *    `.omnipkg-txn/old/`, then staged files are renamed into place. Each step checks where the file
 *    is before moving it, so replaying the journal after a crash at any instruction is safe.
 * 4. Finish: drop folders the removals emptied, bump the site-packages mtime (CPython caches folder
 *    listings by mtime), delete the staging folder.
 * An error during apply in a live process rolls back instead (a `rollback` marker is written
 * first, so a crash during the rollback is finished as a rollback by the next recovery).
 */

export const STAGING_NAME = ".omnipkg-txn";
const LOCK_NAME = ".omnipkg-txn.lock";

export interface StagedPut {
  /** Absolute destination inside the environment. */
  dest: string;
  /** Write or link the new file at `stagedPath` (which does not exist yet). */
  stage(stagedPath: string): void;
  /**
   * Set when `stage` only links this store file with the Linker: such puts may be staged in bulk
   * (plan.stageLinks) instead. Made on demand, not kept for each of thousands of puts.
   */
  storeSource?: () => string;
  /** Set when `stage` only writes these bytes (a new file with `mode`): may be staged in bulk too. */
  bytes?: Uint8Array;
  /** The file's mode, with storeSource or bytes. */
  mode?: number;
}

export interface TransactionPlan {
  puts: StagedPut[];
  /** Absolute paths of files to remove (missing ones are skipped). */
  removes: string[];
  /**
   * Stage the storeSource puts in bulk, folder by folder (src/install/parallelLinks.ts), instead of
   * one stage() after another. Only for plans where no two puts share a destination (the last one
   * must win) and without an afterStep hook (crash tests pause after each staged file).
   * `alongside` stages the other puts; it runs on the calling thread while the links are made.
   */
  stageLinks?: (folders: LinkFolder[], alongside: () => void) => void;
  /** The staging folder was made by prepareStaging (and may hold folders for these puts already). */
  prepared?: boolean;
  /**
   * Stop anything else writing into the staging folder (early folders, see prepareStaging); called
   * before the staging folder is committed or discarded, and must return only once it has stopped.
   */
  quiesce?: () => void;
}

export interface TransactionHooks {
  /** Called after each staged file and each applied journal step (crash tests widen windows here). */
  afterStep?: (phase: "stage" | "commit" | "apply") => void;
  /** Called before applying step `index`; tests throw here to exercise the live rollback. */
  beforeApply?: (index: number) => void;
}

interface JournalOp {
  kind: "put" | "remove";
  /** Relative to the environment root. */
  path: string;
  /** Relative to the staging folder: where the new file waits (put only). */
  staged?: string;
  /** Relative to the staging folder: where the replaced or removed file is kept. */
  aside: string;
}

interface Journal {
  formatVersion: 1;
  ops: JournalOp[];
  /** Folders (relative to the env) that did not exist before; a rollback removes them if empty. */
  createdDirs: string[];
}

const debug = createDebug("install");

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export function stagingDir(scheme: InstallScheme): string {
  return join(scheme.purelib, STAGING_NAME);
}

/** Hold the environment's transaction lock around `fn`, after finishing any interrupted transaction. */
export function withEnvTransaction<T>(scheme: InstallScheme, fn: () => T): T {
  const lock = acquireLock(join(scheme.purelib, LOCK_NAME));
  try {
    recoverUnlocked(scheme);
    return fn();
  } finally {
    lock.release();
  }
}

/** Finish whatever a killed omnipkg left in this environment (forward if committed, else back). */
export function recoverEnv(scheme: InstallScheme): "clean" | "rolled-forward" | "rolled-back" {
  // Cheap and lock-free in the common case, so read-only commands on read-only environments can
  // call it too. A transaction starting right now is not ours to touch anyway.
  // A killed process may also leave only its lock file: taking and releasing the lock removes it.
  if (!existsSync(stagingDir(scheme)) && !existsSync(join(scheme.purelib, LOCK_NAME))) return "clean";
  const lock = acquireLock(join(scheme.purelib, LOCK_NAME));
  try {
    return recoverUnlocked(scheme);
  } finally {
    lock.release();
  }
}

function recoverUnlocked(scheme: InstallScheme): "clean" | "rolled-forward" | "rolled-back" {
  const dir = stagingDir(scheme);
  if (!existsSync(dir)) return "clean";
  const journalPath = join(dir, "journal.json");
  let journal: Journal | undefined;
  try {
    journal = JSON.parse(readFileSync(journalPath, "utf8")) as Journal;
  } catch {
    journal = undefined;
  }
  if (journal === undefined) {
    debug("recover: no committed journal, dropping the staging folder");
    rmSync(dir, { recursive: true, force: true });
    return "clean";
  }
  if (existsSync(join(dir, "rollback"))) {
    debug("recover: finishing an interrupted rollback");
    rollBack(scheme, journal);
    rmSync(dir, { recursive: true, force: true });
    return "rolled-back";
  }
  debug("recover: rolling a committed transaction forward");
  applyForward(scheme, journal, {});
  finish(scheme, journal);
  return "rolled-forward";
}

/** `path` relative to `root`, by slicing when it is below it (path.relative resolves both: slow). */
function relativeTo(root: string, path: string): string {
  return path.startsWith(root + sep) ? path.slice(root.length + 1) : relative(root, path);
}

function within(root: string, path: string): string {
  const rel = relativeTo(root, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel))
    throw new Error(`internal: ${path} is outside ${root}`);
  return rel;
}

/** A normalized relative path: no empty, "." or ".." segment, no leading or trailing slash. */
const UNNORMALIZED = /(?:^|\/)\.{0,2}(?:\/|$)/;

/**
 * `join(dir, staged)`, by concatenation when `staged` is already normalized (every put's path is:
 * it comes from checked manifest paths), since path.join normalizes its result: ~3,500 calls on a
 * warm install.
 */
function stagedPathMaker(dir: string): (staged: string) => string {
  if (sep !== "/" || dir !== join(dir)) return (staged) => join(dir, staged);
  return (staged) => (UNNORMALIZED.test(staged) ? join(dir, staged) : `${dir}/${staged}`);
}

/**
 * For each folder, the outermost folder on its way up that does not exist yet (undefined when the
 * folder exists): everything below such a folder can be staged as one tree and renamed in once.
 */
function createNewFolderFinder(env: string): (dir: string) => string | undefined {
  const memo = new Map<string, string | undefined>();
  const find = (dir: string): string | undefined => {
    if (memo.has(dir)) return memo.get(dir);
    let result: string | undefined;
    if (dir === env || !dir.startsWith(env + sep)) result = undefined;
    // Below a new folder everything is new: no lookup. Else the folder itself decides.
    else result = find(dirname(dir)) ?? (existsSync(dir) ? undefined : dir);
    memo.set(dir, result);
    return result;
  };
  return find;
}

/**
 * Make a fresh, empty staging folder before the plan is complete, so a helper thread can make the
 * staged folders of the puts planned so far (stagedFolderMaker) while the rest is planned; the
 * plan then says `prepared`. The caller holds the lock; whoever prepares and then fails before
 * runTransaction stops those writers and removes the folder (a crash leaves it without a journal:
 * recovery removes it).
 */
export function prepareStaging(scheme: InstallScheme): void {
  const dir = stagingDir(scheme);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "new"), { recursive: true });
  mkdirSync(join(dir, "old"), { recursive: true });
}

/**
 * The staged path of a folder of the environment, exactly as runTransaction stages the puts below
 * it; undefined for a folder outside the environment (runTransaction refuses those).
 */
export function stagedFolderMaker(scheme: InstallScheme): (folder: string) => string | undefined {
  const stagedPathOf = stagedPathMaker(stagingDir(scheme));
  const env = scheme.envDir;
  return (folder) =>
    folder === env
      ? stagedPathOf("new")
      : folder.startsWith(env + sep)
        ? stagedPathOf(`new/${within(env, folder)}`)
        : undefined;
}

/** Run a transaction; the caller holds the lock (see withEnvTransaction). */
export function runTransaction(
  scheme: InstallScheme,
  plan: TransactionPlan,
  hooks: TransactionHooks = {},
): void {
  const dir = stagingDir(scheme);
  if (!plan.prepared) prepareStaging(scheme);
  const env = scheme.envDir;
  const ops: JournalOp[] = [];
  const newFolderOf = createNewFolderFinder(env);
  const stagedDirs = new Set<string>([join(dir, "new")]);
  const ensureStagedDir = (path: string): void => {
    if (stagedDirs.has(path)) return;
    mkdirSync(path, { recursive: true });
    for (let d = path; !stagedDirs.has(d); d = dirname(d)) stagedDirs.add(d);
  };
  // Every put's folder exists (file puts) or arrives whole (folder puts): nothing else is created.
  const journal: Journal = { formatVersion: 1, ops, createdDirs: [] };
  const folderOps = new Set<string>();
  // Keyed by the path relative to the env (a slice of the put's dest), not the staged path: the
  // keys live until the commit, and a slice costs no new string. Not kept for bulk plans, whose
  // destinations are distinct (see TransactionPlan.stageLinks).
  const stagedFiles = new Set<string>();
  try {
    plan.removes.forEach((path, i) => {
      if (exists(path)) ops.push({ kind: "remove", path: within(env, path), aside: `old/r${i}` });
    });
    const stagedPathOf = stagedPathMaker(dir);
    const bulk = plan.stageLinks !== undefined && hooks.afterStep === undefined;
    const distinct = plan.stageLinks !== undefined;
    const linkFolders = new Map<string, LinkFolder>();
    const later: Array<() => void> = [];
    // Puts come folder by folder (a wheel's files are grouped): what depends only on the folder
    // (its staged path, the new tree it is in, its bulk list) is worked out when the folder
    // changes, and each file costs a slice and a concatenation (~4,700 puts on a warm install).
    let dirOf = "";
    let stagedDirOf = "";
    let newFolder: string | undefined;
    let linkFolder: LinkFolder | undefined;
    plan.puts.forEach((put, i) => {
      const dest = put.dest;
      const sameDir =
        dirOf !== "" &&
        dest.length > dirOf.length + 1 &&
        dest[dirOf.length] === sep &&
        dest.startsWith(dirOf) &&
        dest.indexOf(sep, dirOf.length + 1) === -1;
      if (!sameDir) {
        dirOf = dirname(dest);
        stagedDirOf = dirOf === env ? stagedPathOf("new") : stagedPathOf(`new/${within(env, dirOf)}`);
        newFolder = newFolderOf(dirOf);
        linkFolder = linkFolders.get(stagedDirOf);
        if (newFolder !== undefined && !folderOps.has(newFolder)) {
          folderOps.add(newFolder);
          const folderRel = within(env, newFolder);
          ops.push({ kind: "put", path: folderRel, staged: `new/${folderRel}`, aside: `old/p${i}` });
        }
      }
      const name = dest.slice(dirOf.length + 1);
      // A plain name below a normalized folder needs no normalizing (every put from a wheel).
      const plain =
        dest.startsWith(dirOf) && dest[dirOf.length] === sep && name !== "." && name !== ".." && name !== "";
      const stagedPath = plain ? `${stagedDirOf}${sep}${name}` : stagedPathOf(`new/${within(env, dest)}`);
      const rel = distinct && newFolder !== undefined ? "" : within(env, dest);
      if (bulk && plain && (put.storeSource !== undefined || put.bytes !== undefined)) {
        if (linkFolder === undefined) {
          const unit = newFolder === undefined ? stagedDirOf : stagedPathOf(`new/${within(env, newFolder)}`);
          linkFolders.set(stagedDirOf, (linkFolder = { dir: stagedDirOf, files: [], unit }));
        }
        const mode = put.mode ?? 0o644;
        linkFolder.files.push(
          put.storeSource !== undefined
            ? { src: put.storeSource(), dest: stagedPath, mode }
            : { data: put.bytes!, dest: stagedPath, mode },
        );
      } else if (bulk) {
        // Written while the helper thread already links (distinct destinations: order is free).
        const stagedDir = plain ? stagedDirOf : dirname(stagedPath);
        later.push(() => {
          ensureStagedDir(stagedDir);
          put.stage(stagedPath);
        });
      } else {
        ensureStagedDir(plain ? stagedDirOf : dirname(stagedPath));
        // Two puts of one path (two wheels shipping the same file): the last one wins, as before.
        if (!distinct && stagedFiles.has(rel)) rmSync(stagedPath, { force: true });
        put.stage(stagedPath);
      }
      if (newFolder === undefined && (distinct || !stagedFiles.has(rel)))
        ops.push({ kind: "put", path: rel, staged: `new/${rel}`, aside: `old/p${i}` });
      if (!distinct) stagedFiles.add(rel);
      hooks.afterStep?.("stage");
    });
    if (linkFolders.size > 0) {
      // The journal's content is known now: its temp copy is written and fsynced while the links
      // are still being made (the fsync is most of the commit's cost), and only renamed to
      // journal.json, the commit point, once staging has finished.
      plan.stageLinks!([...linkFolders.values()], () => {
        later.forEach((stage) => stage());
        writeJournalTemp(dir, journal);
      });
    } else {
      later.forEach((stage) => stage());
      writeJournalTemp(dir, journal);
    }
    plan.quiesce?.();
    commitJournal(dir);
  } catch (error) {
    plan.quiesce?.();
    rmSync(dir, { recursive: true, force: true });
    throw explain(scheme, error);
  }
  hooks.afterStep?.("commit");
  try {
    applyForward(scheme, journal, hooks, true);
  } catch (error) {
    debug(`apply failed (${String(error)}), rolling back`);
    try {
      writeFileAtomic(join(dir, "rollback"), "");
    } catch {
      // Without the marker a crash during this rollback is rolled forward instead: still whole.
    }
    rollBack(scheme, journal);
    rmSync(dir, { recursive: true, force: true });
    throw explain(scheme, error);
  }
  finish(scheme, journal);
}

const JOURNAL_TEMP = "journal.json.tmp";

/**
 * writeFileAtomic of journal.json in two halves, so the first can run while links are staged: the
 * temp file is written and fsynced here (a fixed name: the staging folder is ours, under the lock;
 * recovery only reads journal.json and drops the folder with anything else in it), ...
 */
function writeJournalTemp(dir: string, journal: Journal): void {
  const data = Buffer.from(JSON.stringify(journal));
  const fd = openSync(join(dir, JOURNAL_TEMP), "wx", 0o644);
  try {
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** ... and the rename (the commit point) and the folder's fsync happen here. */
function commitJournal(dir: string): void {
  renameSync(join(dir, JOURNAL_TEMP), join(dir, "journal.json"));
  fsyncDir(dir);
}

function explain(scheme: InstallScheme, error: unknown): unknown {
  const code = errnoCode(error);
  if (code !== "ENOSPC" && code !== "EDQUOT") return error;
  return new InstallError("NO_SPACE", `There is not enough disk space to install into ${scheme.envDir}.`, {
    hint: "Free some space and try again; the environment was left as it was.",
    cause: error,
  });
}

/**
 * `live`: the first application, right after staging, so every staged file is still there and no
 * aside exists yet: skip those checks (two lstat calls per step). Replays check everything.
 */
function applyForward(scheme: InstallScheme, journal: Journal, hooks: TransactionHooks, live = false): void {
  const dir = stagingDir(scheme);
  journal.ops.forEach((op, index) => {
    hooks.beforeApply?.(index);
    const target = join(scheme.envDir, op.path);
    const aside = join(dir, op.aside);
    if (op.kind === "remove") {
      if (exists(target) && (live || !exists(aside))) renameSync(target, aside);
    } else {
      const staged = join(dir, op.staged!);
      if (live || exists(staged)) {
        if (exists(target) && (live || !exists(aside))) renameSync(target, aside);
        renameInto(staged, target);
      }
    }
    hooks.afterStep?.("apply");
  });
}

/** rename(2), creating the target's folder only when it is missing (a replay, or a file that became a folder). */
function renameInto(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if (errnoCode(error) !== "ENOENT" || !exists(from)) throw error;
    mkdirSync(dirname(to), { recursive: true });
    renameSync(from, to);
  }
}

function rollBack(scheme: InstallScheme, journal: Journal): void {
  const dir = stagingDir(scheme);
  for (const op of [...journal.ops].reverse()) {
    const target = join(scheme.envDir, op.path);
    const aside = join(dir, op.aside);
    if (op.kind === "put") {
      const staged = join(dir, op.staged!);
      if (!exists(staged) && exists(target)) renameSync(target, staged);
    }
    if (exists(aside)) {
      mkdirSync(dirname(target), { recursive: true });
      renameSync(aside, target);
    }
  }
  const deepestFirst = [...journal.createdDirs].sort((a, b) => b.split(sep).length - a.split(sep).length);
  for (const rel of deepestFirst) removeIfEmpty(join(scheme.envDir, rel));
}

function removeIfEmpty(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

function finish(scheme: InstallScheme, journal: Journal): void {
  // Folders every venv has stay even when empty; folders a package created go with its last file.
  const keep = new Set([
    scheme.envDir,
    scheme.purelib,
    scheme.platlib,
    scheme.scripts,
    join(scheme.envDir, "include"),
  ]);
  for (const op of journal.ops) {
    if (op.kind !== "remove") continue;
    for (
      let d = dirname(join(scheme.envDir, op.path));
      !keep.has(d) && d.startsWith(scheme.envDir + sep);
      d = dirname(d)
    ) {
      if (!removeIfEmpty(d)) break;
    }
  }
  const now = new Date();
  for (const dir of new Set([scheme.purelib, scheme.platlib])) utimesSync(dir, now, now);
  rmSync(stagingDir(scheme), { recursive: true, force: true });
}
