import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

/** Paths inside a managed venv. Kept apart from venv creation so the swap path stays small. */
export function envPython(envDir: string): string {
  return join(envDir, "bin", "python");
}

/** True when the venv exists and its python still resolves to an existing interpreter. */
export function isEnvHealthy(envDir: string): boolean {
  if (!existsSync(join(envDir, "pyvenv.cfg"))) return false;
  try {
    return statSync(envPython(envDir)).isFile();
  } catch {
    return false;
  }
}
