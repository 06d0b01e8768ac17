import { OmnipkgError } from "../core/errors.ts";

/** Errors of the installer; messages name the environment, wheel or path at fault. */
export class InstallError extends OmnipkgError {}

export function notAVenv(envDir: string, detail: string): InstallError {
  return new InstallError("NOT_A_VENV", `${envDir} is not a usable virtual environment: ${detail}.`, {
    hint: "Create one with `python -m venv <dir>`, or pass the right folder with --env.",
  });
}

export function unsupportedWheel(wheel: string, detail: string): InstallError {
  return new InstallError("UNSUPPORTED_WHEEL", `The wheel ${wheel} cannot be installed: ${detail}.`, {
    hint: "Upgrade omnipkg, or pick another version of the package.",
  });
}

export function unsafeRecord(distInfo: string, path: string): InstallError {
  return new InstallError(
    "UNSAFE_RECORD",
    `The RECORD of ${distInfo} lists ${path}, which is outside the environment; nothing was removed.`,
    { hint: "Remove that distribution by hand; omnipkg never deletes files outside the environment." },
  );
}

export function missingRecord(distInfo: string): InstallError {
  return new InstallError("MISSING_RECORD", `${distInfo} has no RECORD file, so its files are unknown.`, {
    hint: "It was installed by a tool that does not write RECORD; remove its files by hand, then delete that folder.",
  });
}
