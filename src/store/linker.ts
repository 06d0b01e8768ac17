import { chmodSync, constants, copyFileSync, linkSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { errnoCode } from "../core/errors.ts";
import { createDebug } from "../core/debug.ts";

/**
 * Put a store file into an environment: reflink (copy-on-write clone: shares blocks, own inode, so
 * it may be edited) where the filesystem can, else a hard link (shares the read-only inode; Python
 * only reads, and pip's uninstall unlinks, which never touches the store's name), else a copy.
 * The method is found once per filesystem (st_dev of the destination folder) and remembered;
 * a hard link can still fail for one file (EMLINK: the inode hit the link limit), which copies
 * that file only. Copy is the slow path, so falling back to it warns once.
 */

export type LinkMethod = "reflink" | "hardlink" | "copy";

export interface Linker {
  /** Link `src` (a store file) to `dest`, which must not exist; `mode` applies to own-inode copies. */
  linkFile(src: string, dest: string, mode: number): LinkMethod;
  /** The method chosen for the filesystem holding `dir`, once one was chosen. */
  methodFor(dir: string): LinkMethod | undefined;
  /**
   * True when files from the store may be hard-linked into `dir` directly, bypassing this Linker
   * (bulk staging on several threads): its filesystem's method is known and is hard link. A Linker
   * without it (a test's wrapper) always sees every file.
   */
  hardLinksInto?(dir: string): boolean;
}

export interface LinkerOptions {
  warn?: (message: string) => void;
  /** Force a method (tests, or a user setting); detection still falls back when it fails. */
  prefer?: LinkMethod;
}

const debug = createDebug("store");
const FALLBACK_TO_COPY = new Set(["EXDEV", "EMLINK", "EPERM", "EACCES", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

export function createLinker(options: LinkerOptions = {}): Linker {
  const byDevice = new Map<number, LinkMethod>();
  const deviceOfDir = new Map<string, number>();
  let warned = false;

  const deviceOf = (dir: string): number => {
    let dev = deviceOfDir.get(dir);
    if (dev === undefined) {
      dev = statSync(dir).dev;
      deviceOfDir.set(dir, dev);
    }
    return dev;
  };

  const copy = (src: string, dest: string, mode: number): LinkMethod => {
    copyFileSync(src, dest, constants.COPYFILE_EXCL);
    chmodSync(dest, mode);
    return "copy";
  };

  const tryMethod = (method: LinkMethod, src: string, dest: string, mode: number): void => {
    if (method === "reflink") {
      copyFileSync(src, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
      chmodSync(dest, mode);
    } else if (method === "hardlink") linkSync(src, dest);
    else copy(src, dest, mode);
  };

  const detect = (dev: number, src: string, dest: string, mode: number): LinkMethod => {
    const order: LinkMethod[] =
      options.prefer === "copy"
        ? ["copy"]
        : options.prefer === "hardlink"
          ? ["hardlink", "copy"]
          : ["reflink", "hardlink", "copy"];
    for (const method of order) {
      if (method === "copy" && options.prefer !== "copy" && !warned) {
        // Warn when the decision is made, even if this very copy then fails (a full disk).
        warned = true;
        options.warn?.(
          `Cannot reflink or hard-link from the store into the filesystem of ${dirname(dest)}; copying files instead (slower, uses more disk).`,
        );
      }
      try {
        tryMethod(method, src, dest, mode);
        byDevice.set(dev, method);
        debug(`link method for device ${dev}: ${method}`);
        return method;
      } catch (error) {
        const code = errnoCode(error);
        if (method === "copy" || code === "EEXIST" || code === "ENOENT" || code === "ENOSPC") throw error;
        debug(`${method} failed (${code ?? String(error)}), trying the next method`);
      }
    }
    throw new Error("unreachable");
  };

  return {
    linkFile(src, dest, mode) {
      const dev = deviceOf(dirname(dest));
      const method = byDevice.get(dev);
      if (method === undefined) return detect(dev, src, dest, mode);
      try {
        tryMethod(method, src, dest, mode);
        return method;
      } catch (error) {
        if (method !== "copy" && FALLBACK_TO_COPY.has(errnoCode(error) ?? "")) return copy(src, dest, mode);
        throw error;
      }
    },
    methodFor(dir) {
      return byDevice.get(deviceOf(dir));
    },
    hardLinksInto(dir) {
      return byDevice.get(deviceOf(dir)) === "hardlink";
    },
  };
}
