/**
 * Monotonic milliseconds for the timings commands report. The `performance` global loads
 * perf_hooks and its observers on first use (~1 ms of a warm install's start-up); the process
 * clock is already there.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
