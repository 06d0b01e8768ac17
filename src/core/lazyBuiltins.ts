/**
 * Node built-ins that only some paths of a command use, fetched at the point of use. A static
 * import loads them at start-up for every run: child_process brings net and dgram with it, zlib
 * its streams, together ~3 ms of a warm install that never spawns or inflates anything.
 * process.getBuiltinModule is synchronous, so callers stay synchronous.
 */
export const zlib = (): typeof import("node:zlib") => process.getBuiltinModule("node:zlib");

export const childProcess = (): typeof import("node:child_process") =>
  process.getBuiltinModule("node:child_process");

/** Only downloads, range reads and cold imports need the promise API (it also loads readline). */
export const fsPromises = (): typeof import("node:fs/promises") =>
  process.getBuiltinModule("node:fs/promises");
