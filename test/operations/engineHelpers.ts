import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoggedRequest } from "../helpers/indexServer.ts";
import type { World } from "./installFixtures.ts";

/**
 * Small helpers shared by the engine tests: fresh venvs beside the world's own, what a venv has
 * installed, and the server's log narrowed to one file.
 */

let venvCount = 0;

/** A new empty venv (no pip: ~40 ms) made from the world's interpreter. */
export function freshVenv(w: World): string {
  const dir = join(w.dir, `venv-${++venvCount}`);
  execFileSync(w.python, ["-m", "venv", "--without-pip", dir]);
  return dir;
}

export function sitePackages(venv: string): string {
  return join(venv, "lib", readdirSync(join(venv, "lib"))[0]!, "site-packages");
}

/** name → version as importlib.metadata in `venv` sees them. */
export function installedIn(venv: string): Record<string, string> {
  const out = execFileSync(
    join(venv, "bin", "python"),
    [
      "-c",
      "import json, importlib.metadata as m; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
    ],
    { encoding: "utf8" },
  );
  return JSON.parse(out) as Record<string, string>;
}

export function pythonVersionOf(python: string): string {
  return execFileSync(python, ["-c", "import platform; print(platform.python_version())"], {
    encoding: "utf8",
  }).trim();
}

/** Requests for one served file since `from` (an index into the log). */
export function requestsFor(w: World, filename: string, from = 0): LoggedRequest[] {
  return w.server.requests.slice(from).filter((q) => q.path === `/files/${filename}`);
}

/** A request that asked for part of the file. */
export function isRange(q: LoggedRequest): boolean {
  return typeof q.headers.range === "string";
}

export function readDistInfoFile(venv: string, distInfo: string, file: string): string {
  return readFileSync(join(sitePackages(venv), distInfo, file), "utf8");
}
