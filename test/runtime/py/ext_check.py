"""Compiled extensions cannot be unloaded (run by extensions.test.ts in the fixture venv).

argv[1] == "loaded": tinyext 1.0.0 from main is imported first, so activating 2.0.0 must raise
ExtensionConflict and leave the process exactly as it was.
argv[1] == "memory": 2.0.0 is imported inside a block; after the block it is gone from sys.modules
but still in memory, so 2.0.0 can be activated again and 3.0.0 cannot.
"""
import importlib.metadata as md
import sys

import omnipkg
from importlib.machinery import PathFinder
import csv, shlex  # noqa: E401,F401  (loaded lazily by the loader; keep snapshots exact)


def check(cond, message, *details):
    if not cond:
        raise AssertionError(message + "".join(" | %r" % (d,) for d in details))


def snapshot():
    return list(sys.path), dict(sys.modules), list(sys.meta_path), dict(sys.path_importer_cache)


def assert_same(before, label):
    path0, modules0, meta0, cache0 = before
    check(sys.path == path0, label + ": sys.path", sys.path)
    check(set(sys.modules) == set(modules0), label + ": sys.modules keys", sorted(set(sys.modules) ^ set(modules0)))
    check(all(sys.modules[k] is m for k, m in modules0.items()), label + ": module objects")
    check(sys.meta_path == meta0 and PathFinder in sys.meta_path, label + ": sys.meta_path")
    check(sys.path_importer_cache == cache0, label + ": sys.path_importer_cache")
    check(omnipkg.loader.active() == [], label + ": active()")


mode = sys.argv[1]
with omnipkg.loader("tinypkg==2.0.0"):  # warm the installed-state cache
    pass

if mode == "loaded":
    import tinyext

    check(tinyext.version() == "1.0.0", "main extension", tinyext.version())
    before = snapshot()
    try:
        with omnipkg.loader("tinyext==2.0.0"):
            raise AssertionError("block entered although tinyext 1.0.0's extension is loaded")
    except omnipkg.ExtensionConflict as error:
        text = str(error)
        check(error.name == "tinyext" and error.loaded_version == "1.0.0" and error.requested_version == "2.0.0",
              "attributes", error.name, error.loaded_version, error.requested_version)
        check("tinyext 2.0.0" in text and "tinyext 1.0.0" in text and "tinyext._core" in text, "message", text)
        check(error.modules == ["tinyext._core"], "modules", error.modules)
    assert_same(before, "after conflict")
    # another distribution in the same call also stays untouched
    try:
        omnipkg.loader("tinypkg==3.0.0", "tinyext==3.0.0").__enter__()
    except omnipkg.ExtensionConflict:
        pass
    else:
        raise AssertionError("no conflict for two specs")
    assert_same(before, "after two-spec conflict")
    with omnipkg.loader("tinyext==1.0.0"):
        check(sys.modules["tinyext"] is tinyext, "main's version is a no-op")
    assert_same(before, "after no-op")
elif mode == "memory":
    with omnipkg.loader("tinyext==2.0.0"):
        import tinyext

        check(tinyext.version() == "2.0.0" and md.version("tinyext") == "2.0.0", "bubble extension", tinyext.version())
    check("tinyext" not in sys.modules and "tinyext._core" not in sys.modules, "removed on exit")
    with omnipkg.loader("tinyext==2.0.0"):
        import tinyext as again

        check(again.version() == "2.0.0", "same version again")
    try:
        omnipkg.loader("tinyext==3.0.0").__enter__()
    except omnipkg.ExtensionConflict as error:
        check(error.loaded_version == "2.0.0" and error.requested_version == "3.0.0", "in-memory conflict", str(error))
    else:
        raise AssertionError("3.0.0 activated while 2.0.0's extension is in memory")
    check(omnipkg.loader.active() == [], "nothing active")
else:
    raise SystemExit("unknown mode " + mode)
print("ALL OK", sys.version.split()[0])
