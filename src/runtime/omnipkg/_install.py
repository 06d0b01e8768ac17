"""The `omnipkg install` command for this environment: shown by NotInstalled, run by install=True.

The CLI is found through `_cli.json` next to this file ({"node": ..., "bin": ..., "env_args":
[...]}, written when omnipkg ships this package into an environment), else `omnipkg` on PATH.
`env_args` selects this environment; without it the command names it with `--env <sys.prefix>`.
"""
import os
import sys

from ._errors import InstallFailed

CLI_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_cli.json")


def _cli_config():
    import json

    try:
        with open(CLI_JSON, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _env_args(config):
    args = config.get("env_args")
    if isinstance(args, list) and all(isinstance(a, str) for a in args):
        return list(args)
    return ["--env", sys.prefix]


def install_args(specs):
    """The arguments after the program name: install, the environment, the specs."""
    return ["install"] + _env_args(_cli_config()) + list(specs)


def display_command(specs):
    import shlex

    return " ".join(shlex.quote(a) for a in ["omnipkg"] + install_args(specs))


def command_line(specs):
    config = _cli_config()
    node, bin_path = config.get("node"), config.get("bin")
    if isinstance(node, str) and isinstance(bin_path, str) and os.path.exists(bin_path):
        return [node, bin_path] + install_args(specs)
    import shutil

    exe = shutil.which("omnipkg")
    if exe is None:
        raise InstallFailed(
            "Cannot run %s: %s names no CLI and there is no omnipkg on PATH."
            % (display_command(specs), CLI_JSON)
        )
    return [exe] + install_args(specs)


def run_install(specs):
    """Run the install command; its output is captured and shown only if it fails."""
    import subprocess

    argv = command_line(specs)
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as error:
        raise InstallFailed("Cannot run %s: %s." % (argv[0], error))
    if done.returncode != 0:
        output = done.stdout.decode("utf-8", "replace").strip()
        tail = "\n".join(output.splitlines()[-20:])
        raise InstallFailed(
            "%s failed with exit code %d%s" % (display_command(specs), done.returncode, ":\n" + tail if tail else ".")
        )
