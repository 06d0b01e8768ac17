import { OmnipkgError } from "../core/errors.ts";

/** Errors of the content-addressed store. Every message names the wheel or store path at fault. */
export class StoreError extends OmnipkgError {}

export function hashMismatch(wheel: string, expected: string, actual: string): StoreError {
  return new StoreError(
    "HASH_MISMATCH",
    `The wheel ${wheel} has sha256 ${actual}, but the index promised ${expected}.`,
    {
      hint: "The download is corrupt or was tampered with; nothing was installed. Try again, or check the index.",
    },
  );
}

export function wheelCorrupt(wheel: string, detail: string, cause?: unknown): StoreError {
  return new StoreError("WHEEL_CORRUPT", `The wheel ${wheel} is not a valid wheel: ${detail}.`, {
    hint: "The file is truncated or damaged; download it again.",
    cause,
  });
}

export function wheelUnsafe(wheel: string, detail: string): StoreError {
  return new StoreError("WHEEL_UNSAFE", `The wheel ${wheel} was refused: ${detail}.`, {
    hint: "The archive tries to write outside its own folder or contains links; do not install it.",
  });
}

export function recordMismatch(wheel: string, detail: string): StoreError {
  return new StoreError("RECORD_MISMATCH", `The wheel ${wheel} does not match its RECORD: ${detail}.`, {
    hint: "The wheel was modified after it was built; nothing was installed.",
  });
}

export function noSpace(path: string, cause: unknown): StoreError {
  return new StoreError("NO_SPACE", `There is not enough disk space to write ${path}.`, {
    hint: "Free some space (`omnipkg store gc` removes unused files) and try again; nothing was changed.",
    cause,
  });
}

export function wheelMissing(path: string): StoreError {
  return new StoreError("WHEEL_NOT_FOUND", `The wheel file ${path} does not exist.`, {
    hint: "Check the path, or download the wheel again.",
  });
}
