import type { OmnipkgConfig } from "../core/config.ts";
import { OmnipkgError } from "../core/errors.ts";
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_WORKERS_PER_KEY } from "./pool.ts";

/**
 * `[daemon]` in config.toml: idle_timeout_ms, call_timeout_ms (0 = no limit), workers_per_key.
 * Read by the daemon and by the Node API's in-process pool alike.
 */

export interface DaemonSettings {
  idleTimeoutMs: number;
  callTimeoutMs: number;
  workersPerKey: number;
}

function readNumber(section: Record<string, unknown>, key: string, fallback: number, min: number): number {
  const value = section[key];
  if (value === undefined) return fallback;
  const n = typeof value === "bigint" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < min) {
    throw new OmnipkgError(
      "CONFIG_INVALID",
      `[daemon] ${key} must be a number ≥ ${min}, not ${String(value)}.`,
      {
        hint: "Fix it in config.toml.",
      },
    );
  }
  return n;
}

export function readDaemonSettings(config: OmnipkgConfig): DaemonSettings {
  const raw = config.settings.daemon;
  const section = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  return {
    idleTimeoutMs: readNumber(section, "idle_timeout_ms", DEFAULT_IDLE_TIMEOUT_MS, 1),
    callTimeoutMs: readNumber(section, "call_timeout_ms", DEFAULT_CALL_TIMEOUT_MS, 0),
    workersPerKey: readNumber(section, "workers_per_key", DEFAULT_WORKERS_PER_KEY, 1),
  };
}
