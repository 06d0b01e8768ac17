import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { OmnipkgError } from "../core/errors.ts";
import { isEnvHealthy } from "./envPaths.ts";

/**
 * One managed venv per adopted interpreter, created with the interpreter's own `-m venv` (with pip,
 * so the `pip` shim works).
 *
 * Why not build it in a staging folder and rename it into place: a venv is not relocatable. Its
 * `pip` scripts carry the absolute path of the venv's python in their shebang and `activate`
 * hard-codes VIRTUAL_ENV, so a renamed venv has a broken `pip`. So the venv is created at its final
 * path while the home lock is held, removed again if creation fails, and registered in the config
 * only once it is complete. A process killed mid-creation leaves an unregistered folder, which
 * the next adopt (or rescan) deletes before starting over; nothing ever points at it.
 */

const VENV_TIMEOUT_MS = 5 * 60_000;

export async function createManagedEnv(interpreter: string, envDir: string): Promise<void> {
  rmSync(envDir, { recursive: true, force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        interpreter,
        ["-I", "-m", "venv", envDir],
        { timeout: VENV_TIMEOUT_MS, encoding: "utf8", maxBuffer: 8 * 1024 * 1024 },
        (error, _stdout, stderr) => {
          if (!error) return resolve();
          const lines = stderr.trim().split("\n").filter(Boolean);
          const detail = lines.find((l) => /ensurepip|venv/.test(l)) ?? lines.pop() ?? error.message;
          reject(
            new OmnipkgError(
              "VENV_FAILED",
              `Could not create a virtual environment with ${interpreter}: ${detail.trim()}`,
              {
                hint: "Check that this interpreter has the venv and ensurepip modules (Debian: apt install python3-venv).",
                cause: error,
              },
            ),
          );
        },
      );
    });
    if (!isEnvHealthy(envDir)) {
      throw new OmnipkgError(
        "VENV_FAILED",
        `${interpreter} -m venv did not produce a working environment at ${envDir}.`,
      );
    }
  } catch (error) {
    rmSync(envDir, { recursive: true, force: true });
    throw error;
  }
}
