import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { errnoCode } from "../core/errors.ts";

/**
 * `.python-version` as pyenv and uv write it: one version request per line, the first one wins,
 * `#` starts a comment, blank lines are ignored. It applies to its folder and every folder below, so
 * the search walks up from the current directory.
 */
export interface PythonVersionFile {
  path: string;
  /** The first request in the file, e.g. "3.11" or "3.9.18"; undefined when the file is empty. */
  request: string | undefined;
}

export function parsePythonVersionFile(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, "").trim();
    if (line) return line.split(/\s+/)[0];
  }
  return undefined;
}

export function findPythonVersionFile(cwd: string = process.cwd()): PythonVersionFile | undefined {
  let dir = cwd;
  for (;;) {
    const path = join(dir, ".python-version");
    try {
      return { path, request: parsePythonVersionFile(readFileSync(path, "utf8")) };
    } catch (error) {
      const code = errnoCode(error);
      if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "EISDIR" && code !== "EACCES") throw error;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
