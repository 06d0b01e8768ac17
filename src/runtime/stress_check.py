"""The in-process half of `omnipkg stress-test`: switch between installed versions mid-script.

Run by omnipkg with a managed environment's python, the plan as JSON on stdin:
    {"cases": [{"dist": "rich", "version": "13.4.2", "module": null}, ...], "rounds": 2}
For every round and every case it enters `omnipkg.loader("dist==version")`, imports the module and
checks that the module and `importlib.metadata` really are that version (`__version__` when the
module has one, its file inside the activated location, `importlib.metadata.version()`), timing
the activation. One JSON document on stdout; nothing else is printed there.

Compiled extensions cannot be unloaded (see README.md): once a version of a distribution with
extension modules is imported, another version of it is checked in a fresh process of the same
interpreter (`--single`), after confirming that the loader refuses it in this one.
Python 3.8+ (the runtime's range).
"""
import importlib
import json
import os
import subprocess
import sys
import time

try:
    import importlib.metadata as metadata
except ImportError:  # pragma: no cover - 3.7 and older are skipped by omnipkg before this runs
    metadata = None

EXTENSION_SUFFIXES = (".so", ".pyd")


def _canonical(name):
    out = []
    for ch in name.lower():
        out.append("-" if ch in "_." else ch)
    text = "".join(out)
    while "--" in text:
        text = text.replace("--", "-")
    return text


def _top_module(dist):
    """The importable name of a distribution: top_level.txt, else the first package in its files."""
    d = metadata.distribution(dist)
    text = d.read_text("top_level.txt")
    if text:
        names = [n.strip() for n in text.split() if n.strip() and not n.startswith("_")]
        if names:
            return sorted(names)[0]
    candidates = []
    for f in d.files or []:
        parts = str(f).replace("\\", "/").split("/")
        first = parts[0]
        if first.endswith((".dist-info", ".data")) or first in ("..", "__pycache__") or first.startswith("_"):
            continue
        if len(parts) > 1:
            candidates.append(first)
        elif first.endswith(".py"):
            candidates.append(first[:-3])
    if not candidates:
        raise LookupError("no importable module found in the files of %s" % dist)
    return sorted(set(candidates))[0]


def _inside(path, folder):
    path = os.path.realpath(path)
    folder = os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _has_loaded_extension(module_name):
    """Whether an extension module from this package's own folder is loaded. By file, not by
    module name: requests aliases charset_normalizer's compiled `md` as `requests.packages.*`."""
    top = sys.modules.get(module_name)
    top_file = getattr(top, "__file__", None)
    if not top_file:
        return False
    folder = os.path.dirname(top_file) if os.path.basename(top_file).startswith("__init__.") else top_file
    for name, mod in list(sys.modules.items()):
        if name != module_name and not name.startswith(module_name + "."):
            continue
        path = getattr(mod, "__file__", None) or ""
        if path.endswith(EXTENSION_SUFFIXES) and _inside(path, folder):
            return True
    return False


def _expected_location(omnipkg, dist, version):
    for found in omnipkg.installed(dist):
        if found.version == version:
            return found.location, found.path
    return None, None


def check_once(omnipkg, case):
    """Activate, import, verify. Returns a result dict; never raises for a failed check."""
    dist, version = case["dist"], case["version"]
    result = {
        "dist": dist,
        "version": version,
        "module": case.get("module"),
        "location": None,
        "activateMs": None,
        "importMs": None,
        "ok": False,
        "mode": "in-process",
        "detail": "",
    }
    location, path = _expected_location(omnipkg, dist, version)
    result["location"] = location
    if location is None:
        result["detail"] = "%s==%s is not installed in this environment" % (dist, version)
        return result
    block = omnipkg.loader("%s==%s" % (dist, version))
    started = time.perf_counter()
    block.__enter__()
    result["activateMs"] = (time.perf_counter() - started) * 1000.0
    try:
        module_name = case.get("module") or _top_module(dist)
        result["module"] = module_name
        started = time.perf_counter()
        module = importlib.import_module(module_name)
        result["importMs"] = (time.perf_counter() - started) * 1000.0
        problems = []
        meta_version = metadata.version(dist)
        if meta_version != version:
            problems.append("importlib.metadata.version() says %s" % meta_version)
        module_version = getattr(module, "__version__", None)
        if isinstance(module_version, str) and module_version != version:
            problems.append("%s.__version__ is %s" % (module_name, module_version))
        module_file = getattr(module, "__file__", None)
        if not module_file:
            problems.append("%s has no __file__" % module_name)
        elif not _inside(module_file, path):
            problems.append("%s was imported from %s, not from %s" % (module_name, module_file, path))
        result["ok"] = not problems
        result["detail"] = "; ".join(problems)
        result["extension"] = _has_loaded_extension(module_name)
    except Exception as error:  # a failed import is a failed check, reported with its text
        result["detail"] = "%s: %s" % (type(error).__name__, error)
    finally:
        block.__exit__(None, None, None)
    return result


def _failed(case, detail):
    """The row of a check that could not run."""
    return {
        "dist": case["dist"],
        "version": case["version"],
        "module": case.get("module"),
        "location": None,
        "activateMs": None,
        "importMs": None,
        "ok": False,
        "detail": detail,
    }


def check_in_subprocess(case):
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--single"],
        input=json.dumps(case),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        result = _failed(
            case, "the checking process failed (exit %s): %s" % (proc.returncode, proc.stderr.strip()[-500:])
        )
    result["mode"] = "subprocess"
    result["processMs"] = (time.perf_counter() - started) * 1000.0
    return result


def run(plan):
    import omnipkg

    results = []
    # dist -> the version whose extension modules this process holds
    extension_loaded = {}
    main_versions = {}
    for case in plan["cases"]:
        try:
            main_versions[case["dist"]] = metadata.version(case["dist"])
        except metadata.PackageNotFoundError:
            main_versions[case["dist"]] = None
    for round_number in range(1, int(plan.get("rounds", 1)) + 1):
        for case in plan["cases"]:
            key = _canonical(case["dist"])
            held = extension_loaded.get(key)
            if held is not None and held != case["version"]:
                guard = ""
                try:
                    with omnipkg.loader("%s==%s" % (case["dist"], case["version"])):
                        pass
                    guard = "the loader allowed the block (no module to replace)"
                except omnipkg.ExtensionConflict:
                    guard = "ExtensionConflict in-process, as designed"
                except omnipkg.OmnipkgError as error:
                    guard = "%s: %s" % (type(error).__name__, error)
                result = check_in_subprocess(case)
                result["guard"] = guard
            else:
                try:
                    result = check_once(omnipkg, case)
                except omnipkg.ExtensionConflict as error:
                    result = check_in_subprocess(case)
                    result["guard"] = "ExtensionConflict in-process, as designed (%s)" % error
                except omnipkg.OmnipkgError as error:
                    result = _failed(case, "%s: %s" % (type(error).__name__, error))
                    result["mode"] = "in-process"
                if result.get("extension") and result.get("ok"):
                    extension_loaded[key] = case["version"]
            result["round"] = round_number
            results.append(result)
    # Outside every block, main's versions are back.
    restored = all(
        (metadata.version(d) if v is not None else None) == v for d, v in main_versions.items()
    )
    return {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "results": results,
        "mainRestored": restored,
        "active": [str(a) for a in omnipkg.loader.active()],
    }


def main():
    if metadata is None:
        print(json.dumps({"error": "Python 3.8 or newer is needed"}))
        return 0
    if sys.argv[1:] == ["--single"]:
        import omnipkg

        print(json.dumps(check_once(omnipkg, json.loads(sys.stdin.read()))))
        return 0
    print(json.dumps(run(json.loads(sys.stdin.read()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
