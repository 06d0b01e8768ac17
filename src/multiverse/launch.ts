import { runtimeDir } from "../core/packageRoot.ts";
import { UsageError } from "../core/errors.ts";

/**
 * What `run` and `multiverse` execute. Without bubbles it is exactly `python <script|-m mod|-c code>`
 * (nothing between the user and their interpreter); with bubbles a tiny bootstrap
 * (omnipkg_worker/run.py) enters `omnipkg.loader(*specs)` first and runs the target with runpy.
 */

export type RunTarget =
  { kind: "script"; path: string } | { kind: "module"; name: string } | { kind: "code"; code: string };

export interface RunRequest {
  target: RunTarget;
  args: string[];
  specs: string[];
}

/** Parse `<script.py | -m module | -c code> [args…]` as python itself would. */
export function parseRunArgv(argv: string[]): { target: RunTarget; args: string[] } {
  const [first, second, ...rest] = argv;
  if (first === undefined) {
    throw new UsageError("Say what to run: a script path, `-m module` or `-c code`.", {
      hint: "Example: omnipkg run --python 3.9 -c 'import sys; print(sys.version)'",
    });
  }
  if (first === "-m" || first === "-c") {
    if (second === undefined) throw new UsageError(`${first} needs a value.`);
    return {
      target: first === "-m" ? { kind: "module", name: second } : { kind: "code", code: second },
      args: rest,
    };
  }
  if (first.startsWith("-m") && first.length > 2)
    return { target: { kind: "module", name: first.slice(2) }, args: argv.slice(1) };
  if (first.startsWith("-c") && first.length > 2)
    return { target: { kind: "code", code: first.slice(2) }, args: argv.slice(1) };
  if (first.startsWith("-")) {
    throw new UsageError(`Unknown option ${first} before the target.`, {
      hint: "Put omnipkg's options first, then the script, `-m module` or `-c code`.",
    });
  }
  return { target: { kind: "script", path: first }, args: argv.slice(1) };
}

function targetValue(target: RunTarget): string {
  return target.kind === "script" ? target.path : target.kind === "module" ? target.name : target.code;
}

export function pythonArgs(request: RunRequest): string[] {
  const { target, args, specs } = request;
  if (!specs.length) {
    if (target.kind === "script") return [target.path, ...args];
    return [target.kind === "module" ? "-m" : "-c", targetValue(target), ...args];
  }
  const dir = JSON.stringify(runtimeDir());
  const boot = `import sys;sys.path.insert(0,${dir});import omnipkg_worker.run as r;del sys.path[0];sys.exit(r.main())`;
  return ["-c", boot, JSON.stringify(specs), target.kind, targetValue(target), ...args];
}
