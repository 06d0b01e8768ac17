/**
 * `node:sqlite` is loaded lazily (a swap must not pay for it) and, on Node versions that still
 * flag it experimental, prints an ExperimentalWarning on first load. That warning is noise for
 * users, so exactly that one warning is dropped while the module loads; every other warning,
 * and any later one, still goes through.
 */
type SqliteModule = typeof import("node:sqlite");

let loaded: Promise<SqliteModule> | undefined;

export function isSqliteExperimentalWarning(warning: unknown, type: unknown): boolean {
  const name = warning instanceof Error ? warning.name : typeof type === "string" ? type : "";
  const text = warning instanceof Error ? warning.message : String(warning);
  const kind = name === "ExperimentalWarning" || type === "ExperimentalWarning";
  return kind && /sqlite/i.test(text);
}

export function loadSqlite(): Promise<SqliteModule> {
  loaded ??= (async () => {
    const original = process.emitWarning;
    process.emitWarning = function (this: unknown, warning: unknown, ...rest: unknown[]) {
      const type =
        typeof rest[0] === "object" && rest[0] !== null ? (rest[0] as { type?: unknown }).type : rest[0];
      if (isSqliteExperimentalWarning(warning, type)) return;
      return (original as (...args: unknown[]) => void).call(process, warning, ...rest);
    } as typeof process.emitWarning;
    try {
      return await import("node:sqlite");
    } finally {
      process.emitWarning = original;
    }
  })();
  return loaded;
}
