import { basename } from "node:path";
import { UsageError } from "../core/errors.ts";
import type { HomeLayout } from "../core/home.ts";

/**
 * `shell-init`: the lines a shell evals once so `<home>/active/bin` leads PATH. No later swap needs
 * a re-eval or `hash -r`: bash and zsh remember a command as the path string
 * `<home>/active/bin/python`, and that string stays valid while the `active` link behind it is
 * renamed, so the next `python` runs the new interpreter. Running it twice does not grow PATH.
 */
export type ShellName = "bash" | "zsh" | "fish";

export function detectShell(env: NodeJS.ProcessEnv = process.env): ShellName {
  const name = basename(env.SHELL ?? "");
  return name === "zsh" || name === "fish" ? name : "bash";
}

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function renderShellInit(
  shell: string,
  layout: HomeLayout,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const dir = layout.shimsDir;
  const lines: string[] = [];
  if (shell === "bash" || shell === "zsh") {
    if (env.OMNIPKG_HOME) lines.push(`export OMNIPKG_HOME=${shQuote(layout.root)}`);
    lines.push(
      `_omnipkg_shims=${shQuote(dir)}`,
      'PATH=":${PATH}:"; PATH="${PATH//":${_omnipkg_shims}:"/:}"; PATH="${PATH#:}"; PATH="${PATH%:}"',
      'export PATH="${_omnipkg_shims}${PATH:+:${PATH}}"',
      "unset _omnipkg_shims",
      "hash -r 2>/dev/null || true",
    );
  } else if (shell === "fish") {
    if (env.OMNIPKG_HOME) lines.push(`set -gx OMNIPKG_HOME ${shQuote(layout.root)}`);
    lines.push(
      `set -l _omnipkg_shims ${shQuote(dir)}`,
      "set -gx PATH $_omnipkg_shims (string match -v -- $_omnipkg_shims $PATH)",
    );
  } else {
    throw new UsageError(`Unknown shell "${shell}"; choose bash, zsh or fish.`);
  }
  return lines.join("\n") + "\n";
}
