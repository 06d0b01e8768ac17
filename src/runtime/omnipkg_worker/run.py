"""Bootstrap of `omnipkg run --with SPEC` and `omnipkg multiverse --with SPEC`.

argv: <specs-json> <script|module|code> <value> [args...]. Enters omnipkg.loader(*specs), then runs
the target the way `python <script>`, `python -m <module>` or `python -c <code>` would: same
sys.argv, same sys.path[0], run as __main__. SystemExit passes through, so the exit code does too.
"""
import json
import os
import runpy
import sys


def _loader():
    try:
        import omnipkg
    except ImportError:
        sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        import omnipkg
    return omnipkg.loader


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    specs, kind, value, rest = json.loads(argv[0]), argv[1], argv[2], argv[3:]
    with _loader()(*specs):
        if kind == "script":
            sys.argv = [value] + rest
            sys.path[0] = os.path.dirname(os.path.abspath(value))
            runpy.run_path(value, run_name="__main__")
        elif kind == "module":
            sys.argv = [value] + rest
            sys.path[0] = os.getcwd()
            runpy.run_module(value, run_name="__main__", alter_sys=True)
        else:
            sys.argv = ["-c"] + rest
            sys.path[0] = ""
            namespace = {"__name__": "__main__", "__builtins__": __builtins__}
            exec(compile(value, "<string>", "exec"), namespace)
    return 0
