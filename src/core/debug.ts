/**
 * `OMNIPKG_DEBUG=store,index` (or `*`) turns on diagnostics for those areas, on stderr. When an area
 * is off, `createDebug` returns a no-op so calls cost nothing on hot paths.
 */
const enabled = new Set(
  (process.env.OMNIPKG_DEBUG ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

export type DebugFn = (message: string) => void;

const noop: DebugFn = () => {};

export function createDebug(area: string): DebugFn {
  if (!enabled.has(area) && !enabled.has("*")) return noop;
  return (message) => process.stderr.write(`[omnipkg:${area}] ${message}\n`);
}
