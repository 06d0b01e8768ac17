# omnipkg PEP 517 hook runner. Runs inside an isolated build environment:
#   python pep517_hook.py <hook> <source_dir> <args.json> <result.json>
# The backend may print anything on stdout/stderr; the result travels through <result.json> so
# build chatter can never corrupt it.
import importlib
import json
import os
import sys
import traceback


def load_backend(spec, backend_path):
    if backend_path:
        # PEP 517: in-tree backends are found through backend-path, relative to the source tree.
        sys.path[:0] = [os.path.abspath(p) for p in backend_path]
    module_name, _, attr = spec.partition(":")
    obj = importlib.import_module(module_name.strip())
    for part in attr.strip().split(".") if attr.strip() else []:
        obj = getattr(obj, part)
    return obj


def main():
    hook, source_dir, args_path, result_path = sys.argv[1:5]
    with open(args_path) as f:
        args = json.load(f)
    os.chdir(source_dir)
    result = {}
    try:
        backend = load_backend(args["backend"], args.get("backend_path"))
        settings = args.get("config_settings")
        if hook in ("get_requires_for_build_wheel", "get_requires_for_build_sdist"):
            fn = getattr(backend, hook, None)
            result["value"] = list(fn(settings)) if fn is not None else []
        elif hook == "build_wheel":
            result["value"] = backend.build_wheel(args["wheel_directory"], settings)
        elif hook == "prepare_metadata_for_build_wheel":
            fn = getattr(backend, hook, None)
            result["value"] = fn(args["metadata_directory"], settings) if fn is not None else None
        else:
            result["error"] = "unknown hook " + hook
    except BaseException as exc:  # the caller reports it; the runner must always write a result
        result["error"] = type(exc).__name__ + ": " + str(exc)
        result["traceback"] = traceback.format_exc()
    with open(result_path, "w") as f:
        json.dump(result, f)


main()
