/**
 * `OMNIPKG_DEBUG=store,index` (or `*`) turns on diagnostics for those areas, on stderr. When an area
 * is off, `createDebug` returns a no-op so calls cost nothing on hot paths.
 *
 * Each line carries the milliseconds since the process started, taken when the message was made:
 * lines from import threads reach stderr through the main thread, late and out of order, so the
 * time is what orders them.
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
  // process.uptime() counts from the process's start in every thread (performance.now() restarts
  // in each worker).
  return (message) =>
    process.stderr.write(`[omnipkg:${area} +${Math.round(process.uptime() * 1000)}ms] ${message}\n`);
}
