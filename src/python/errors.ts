import { OmnipkgError, UsageError } from "../core/errors.ts";

/**
 * Errors of the interpreter area. Each names the value or path at fault; hints name the command
 * that gets the user unstuck.
 */

export class NoInterpreterFound extends OmnipkgError {
  constructor(request: string, foundVersions: string[], searched: string[]) {
    const found = foundVersions.length > 0 ? foundVersions.join(", ") : "none";
    super("NO_INTERPRETER", `No Python interpreter matches "${request}"; found: ${found}.`, {
      hint: `Searched ${searched.join(", ")}. Install it (for example with pyenv or uv), or pass the interpreter's path.`,
    });
  }
}

export class NotAPython extends OmnipkgError {
  constructor(path: string, detail: string) {
    super("NOT_A_PYTHON", `${path} is not a usable Python interpreter: ${detail}.`, {
      hint: "Pass the path of a python3 executable, or a version such as 3.11.",
    });
  }
}

export class UnsupportedPython extends OmnipkgError {
  constructor(path: string, version: string | undefined) {
    super(
      "UNSUPPORTED_PYTHON",
      `${path} is Python ${version ?? "2"}, which omnipkg does not support (it needs Python 3.6 or newer).`,
      { hint: "Adopt a Python 3 interpreter instead, for example `omnipkg python adopt 3.11`." },
    );
  }
}

export class NotAdopted extends OmnipkgError {
  constructor(request: string, adopted: string[]) {
    const list = adopted.length > 0 ? adopted.join(", ") : "none";
    super("NOT_ADOPTED", `Python ${request} is not adopted; adopted versions: ${list}.`, {
      hint: `Run \`omnipkg python adopt ${request}\` first.`,
    });
  }
}

export class InterpreterGone extends OmnipkgError {
  constructor(id: string, path: string) {
    super("INTERPRETER_GONE", `The interpreter of Python ${id} (${path}) no longer exists.`, {
      hint: `Run \`omnipkg python remove ${id}\` to forget it, or reinstall it at that path.`,
    });
  }
}

export class ManagedEnvMissing extends OmnipkgError {
  constructor(id: string, envDir: string) {
    super("ENV_MISSING", `The managed environment of Python ${id} (${envDir}) is missing or broken.`, {
      hint: `Run \`omnipkg python adopt ${id}\` to recreate it.`,
    });
  }
}

export class NoVersionGiven extends UsageError {
  constructor(adopted: string[]) {
    const list = adopted.length > 0 ? adopted.join(", ") : "none";
    super(`Name the Python version to switch to (adopted: ${list}); there is no terminal for a menu.`, {
      hint: "Run `omnipkg swap python <VERSION>`, or `--from-file` to use .python-version.",
    });
  }
}

export class HomeNotWritable extends OmnipkgError {
  constructor(path: string, code: string | undefined) {
    super("HOME_NOT_WRITABLE", `Cannot write to the omnipkg home ${path} (${code ?? "error"}).`, {
      hint: "Set OMNIPKG_HOME to a folder you can write to, or fix that folder's permissions.",
    });
  }
}
