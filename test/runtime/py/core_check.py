"""Core loader behaviour, run inside the fixture venv (test/runtime/tinyEnv.ts) by loader.test.ts.

Prints one line per passed step and "ALL OK" at the end; any failure is a traceback and exit 1.
"""
import importlib
import importlib.metadata as md
import json
import os
import shutil
import sys

import omnipkg
import plainlib
import tinypkg
from importlib.machinery import PathFinder

PREFIX = sys.prefix
BUBBLES = os.path.join(os.path.realpath(PREFIX), "bubbles")


def check(cond, message, *details):
    if not cond:
        raise AssertionError(message + "".join(" | %r" % (d,) for d in details))


def step(name):
    print("ok", name, flush=True)


def versions_listed(name):
    return sorted(d.version for d in md.distributions() if d.metadata["Name"] == name)


def plugins():
    """Entry points of the tinypkg.plugins group: one per visible tinypkg version."""
    eps = md.entry_points()
    if hasattr(eps, "select"):
        group = eps.select(group="tinypkg.plugins")
    else:  # 3.8, 3.9: a dict of group -> entry points, without de-duplication
        group = eps.get("tinypkg.plugins", [])
    return sorted(ep.name for ep in group)


def owned_modules():
    return {k for k in sys.modules if k.split(".")[0] in ("tinypkg", "tinyhelper", "tinypkg_legacy")}


def snapshot():
    return list(sys.path), dict(sys.modules), list(sys.meta_path), dict(sys.path_importer_cache)


def assert_restored(before, label):
    path0, modules0, meta0, _ = before
    check(sys.path == path0, label + ": sys.path differs", sys.path, path0)
    check(set(sys.modules) == set(modules0), label + ": sys.modules keys differ",
          sorted(set(sys.modules) ^ set(modules0)))
    for key, module in modules0.items():
        check(sys.modules[key] is module, label + ": a different object for " + key)
    check(sys.meta_path == meta0 and PathFinder in sys.meta_path, label + ": sys.meta_path differs", sys.meta_path)
    check(omnipkg.loader.active() == [], label + ": active() not empty", omnipkg.loader.active())


# main first
check(tinypkg.VERSION == "1.0.0", "main tinypkg", tinypkg.VERSION)
check(md.version("tinypkg") == "1.0.0", "main metadata")
check(plugins() == ["v1"], "main's entry points", plugins())
import tinypkg_legacy  # noqa: E402,F401  (only main's 1.0.0 ships it)

# The loader imports a few stdlib modules lazily (sysconfig on its first scan, shlex for error
# text); load them now so the snapshots below can demand exact key equality.
import csv, shlex, sysconfig  # noqa: E401,E402,F401

path_list = sys.path
before = snapshot()
main_module = sys.modules["tinypkg"]
step("main")

# one bubble: modules, dependency only the bubble has, metadata, hiding, isolation of main-only names
with omnipkg.loader("tinypkg==2.0.0") as block:
    check(sys.path[0] == os.path.join(BUBBLES, "tinypkg-2.0.0"), "bubble first on sys.path", sys.path[:2])
    check(not owned_modules(), "tinypkg modules removed on entry", owned_modules())
    import tinypkg as t2

    check(t2.VERSION == "2.0.0" and t2.HELPER == "1.0.0", "bubble tinypkg", t2.VERSION, t2.HELPER)
    check(t2.__file__.startswith(os.path.join(BUBBLES, "tinypkg-2.0.0") + os.sep), "bubble file", t2.__file__)
    check(t2.core.which() == "core 2.0.0", "bubble submodule")
    check(md.version("tinypkg") == "2.0.0", "metadata version in bubble", md.version("tinypkg"))
    check(md.version("tiny-helper") == "1.0.0", "helper metadata")
    check(md.version("plainlib") == "1.0.0", "plainlib from main")
    check(versions_listed("tinypkg") == ["2.0.0"], "main's dist-info hidden", versions_listed("tinypkg"))
    check(plugins() == ["v2"], "entry points of the active version only", plugins())
    check(sys.modules["plainlib"] is plainlib, "unrelated module untouched")
    try:
        import tinypkg_legacy  # noqa: F811
    except ImportError:
        pass
    else:
        raise AssertionError("tinypkg_legacy (main 1.0.0 only) importable inside the 2.0.0 block")
    active = omnipkg.loader.active()
    check([(a.spec, a.name, a.version, a.location) for a in active] == [("tinypkg==2.0.0", "tinypkg", "2.0.0", "bubble")],
          "active()", active)
    check(block.activations == active, "activations property")
    outer_module = sys.modules["tinypkg"]

    # nested: another bubble, then main's version while the outer bubble shadows it
    with omnipkg.loader("tinypkg==3.0.0"):
        import tinypkg as t3

        check(t3.VERSION == "3.0.0" and t3.HELPER == "2.0.0", "nested bubble", t3.VERSION, t3.HELPER)
        check(md.version("tinypkg") == "3.0.0" and md.version("tiny-helper") == "2.0.0", "nested metadata")
        check(versions_listed("tiny-helper") == ["2.0.0"], "outer helper hidden", versions_listed("tiny-helper"))
        check([a.version for a in omnipkg.loader.active()] == ["2.0.0", "3.0.0"], "nested active()")
        with omnipkg.loader("tinypkg==1.0.0"):
            import tinypkg as t1
            import tinypkg_legacy  # noqa: F811,F401

            check(t1.VERSION == "1.0.0", "main version inside two bubbles", t1.VERSION)
            check(md.version("tinypkg") == "1.0.0", "main metadata inside two bubbles", md.version("tinypkg"))
            check(versions_listed("tinypkg") == ["1.0.0"], "bubbles' tinypkg hidden", versions_listed("tinypkg"))
            check([a.location for a in omnipkg.loader.active()] == ["bubble", "bubble", "main"], "three frames")
        import tinypkg as t3b

        check(t3b is t3, "inner exit restores the 3.0.0 module object")
    import tinypkg as t2b

    check(t2b is outer_module and t2b.VERSION == "2.0.0", "nested exits unwind in order")
    check(md.version("tinypkg") == "2.0.0", "metadata after nested exit")
assert_restored(before, "after with")
check(sys.path is path_list, "sys.path is still the same list object")
check(sys.modules["tinypkg"] is main_module and md.version("tinypkg") == "1.0.0", "main back")
check(plugins() == ["v1"], "main's entry points back", plugins())
try:
    import tinyhelper  # noqa: F401
except ImportError:
    pass
else:
    raise AssertionError("tinyhelper (bubble only) importable after exit")
step("bubble, nesting, restoration")


# decorator, re-entrant
@omnipkg.loader("tinypkg==3.0.0")
def read_version(depth):
    import tinypkg as t

    inner = read_version(depth - 1) if depth else None
    return t.VERSION, md.version("tinypkg"), inner


check(read_version(1) == ("3.0.0", "3.0.0", ("3.0.0", "3.0.0", None)), "decorator", read_version(1))
check(read_version.__name__ == "read_version", "functools.wraps")
assert_restored(before, "after decorator")
step("decorator")


# specifiers: newest matching, pre-releases only when asked for or nothing else matches
def chosen(*specs):
    with omnipkg.loader(*specs) as block:
        import tinypkg as t

        return t.VERSION, [a.version for a in block.activations]


check(chosen("tinypkg") == ("3.0.0", ["3.0.0"]), "bare name picks newest")
check(chosen("tinypkg>=2,<3") == ("2.0.0", ["2.0.0"]), "final preferred over rc")
check(chosen("tinypkg>=2.1.0rc1,<3") == ("2.1.0rc1", ["2.1.0rc1"]), "explicit pre-release")
check(chosen("tinypkg>2.0,<3")[0] == "2.1.0rc1", "only a pre-release matches")
check(chosen("tinypkg!=3.*")[0] == "2.0.0", "!= prefix")
check(chosen("tinypkg~=2.0")[0] == "2.0.0", "compatible release")
check(chosen("TinyPkg == 3.0")[0] == "3.0.0", "name normalisation and padding")
check(chosen("tinypkg==2.0.0", "tiny-helper<2")[1] == ["2.0.0", "1.0.0"], "two specs, second pinned by the bubble")
try:
    omnipkg.loader("tinypkg==2.0.0", "tiny-helper>=2").__enter__()
except omnipkg.VersionConflict as error:
    check("tiny-helper 1.0.0" in str(error) and "tiny-helper>=2" in str(error), "conflict text", str(error))
else:
    raise AssertionError("no VersionConflict")
assert_restored(before, "after specifiers")
step("specifiers")

# main's version is a no-op
with omnipkg.loader("tinypkg~=1.0") as block:
    check(sys.path == before[0] and sys.modules["tinypkg"] is main_module, "no-op activation")
    check(sys.meta_path == before[2], "no shim for a no-op")
    check([(a.version, a.location) for a in block.activations] == [("1.0.0", "main")], "no-op listed")
assert_restored(before, "after no-op")
step("no-op")

# exceptions propagate and still restore
try:
    with omnipkg.loader("tinypkg==2.0.0"):
        import tinypkg  # noqa: F811

        raise KeyError("boom")
except KeyError:
    pass
assert_restored(before, "after exception")
step("exception")

# blocks ending out of order are refused
first, second = omnipkg.loader("tinypkg==2.0.0"), omnipkg.loader("tinypkg==3.0.0")
first.__enter__()
second.__enter__()
try:
    first.__exit__(None, None, None)
except omnipkg.LoaderStateError as error:
    check("reverse order" in str(error), "order text", str(error))
else:
    raise AssertionError("out-of-order exit accepted")
second.__exit__(None, None, None)
first.__exit__(None, None, None)
assert_restored(before, "after order error")
step("order")

# not installed: exact command, nothing changed; then a bubble appears on disk and is seen
try:
    omnipkg.loader("tinypkg==9.9").__enter__()
except omnipkg.NotInstalled as error:
    expected = "omnipkg install --env %s tinypkg==9.9" % PREFIX
    check(error.command == expected, "command", error.command, expected)
    check(str(error).endswith("Install it with: " + expected), "message ends with the command", str(error))
    check("(installed: 3.0.0 (bubble), 2.1.0rc1 (bubble), 2.0.0 (bubble), 1.0.0 (main), 0.5.0 (bubble))" in str(error),
          "message lists versions", str(error))
    check("tinypkg-8.0.0: built for Python 3.0, this is Python %d.%d" % sys.version_info[:2] in str(error),
          "message names the ignored bubble", str(error))
else:
    raise AssertionError("no NotInstalled")
try:
    omnipkg.loader("nosuch<2", "tinypkg").__enter__()
except omnipkg.NotInstalled as error:
    check(error.command == "omnipkg install --env %s 'nosuch<2'" % PREFIX, "quoted command", error.command)
assert_restored(before, "after NotInstalled")
staging = os.path.join(BUBBLES, ".tmp-new")
shutil.copytree(os.path.join(BUBBLES, "tinypkg-3.0.0"), staging)
manifest_path = os.path.join(staging, ".omnipkg-bubble.json")
with open(manifest_path, encoding="utf-8") as f:
    manifest = json.load(f)
manifest["version"] = manifest["dists"][0]["version"] = "9.9.0"
with open(manifest_path, "w", encoding="utf-8") as f:
    json.dump(manifest, f)
info = os.path.join(staging, "tinypkg-9.9.0.dist-info")
os.rename(os.path.join(staging, "tinypkg-3.0.0.dist-info"), info)
with open(os.path.join(info, "METADATA"), encoding="utf-8") as f:
    metadata = f.read().replace("Version: 3.0.0", "Version: 9.9.0")
with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as f:
    f.write(metadata)
os.rename(staging, os.path.join(BUBBLES, "tinypkg-9.9.0"))
with omnipkg.loader("tinypkg==9.9"):
    check(md.version("tinypkg") == "9.9.0", "new bubble seen without restart", md.version("tinypkg"))
shutil.rmtree(os.path.join(BUBBLES, "tinypkg-9.9.0"))
try:
    omnipkg.loader("tinypkg==9.9").__enter__()
except omnipkg.NotInstalled:
    pass
else:
    raise AssertionError("removed bubble still used")
assert_restored(before, "after new bubble")
step("not installed")

try:
    omnipkg.loader("tinypkg==0.5.0").__enter__()
except omnipkg.StaleBubble as error:
    check("expects plainlib 0.9.0 from main, but main has plainlib 1.0.0" in str(error), "stale text", str(error))
else:
    raise AssertionError("stale bubble activated")
assert_restored(before, "after stale bubble")
step("stale bubble")

with omnipkg.loader("tinypkg==2.0.0"):
    sys.path = sys.path + ["/nonexistent"]  # rebinding, not mutating
check(sys.path is path_list and sys.path == before[0], "rebound sys.path restored")
try:
    @omnipkg.loader("tinypkg==2.0.0")
    def lazy():
        yield 1
except TypeError as error:
    check("generator or coroutine" in str(error), "generator text", str(error))
else:
    raise AssertionError("generator function decorated")
assert_restored(before, "after rebinding")
step("rebinding and generators")

from omnipkg import _installed  # noqa: E402

three = [b for b in _installed.current().bubbles if str(b.version) == "3.0.0"][0]
check(three.dists["tiny-helper"].top_level == ("tinyhelper",) and three.dists["tinypkg"].top_level == ("tinypkg",),
      "top-level names read from the bubble's RECORD", three.dists["tiny-helper"].top_level)
check(three.dists["tinypkg"].has_extensions is False, "has_extensions from RECORD")
listed = [tuple(v)[1:3] for v in omnipkg.installed("TinyPkg")]
check(listed == [("3.0.0", "bubble"), ("2.1.0rc1", "bubble"), ("2.0.0", "bubble"), ("1.0.0", "main"),
                 ("0.5.0", "bubble")], "installed()", listed)
check(omnipkg.installed("tinypkg")[0].path == os.path.join(BUBBLES, "tinypkg-3.0.0"), "installed() path")
check([v.name for v in omnipkg.installed()] == ["plainlib", "tinypkg", "tinypkg", "tinypkg", "tinypkg", "tinypkg"],
      "installed() lists main and bubble roots", omnipkg.installed())
check(chosen("tinypkg[extra]>=2,<3")[0] == "2.0.0", "extras are ignored")
step("installed()")

try:
    omnipkg.interpreter("3.9")
except ImportError as error:
    check("omnipkg_worker" in str(error), "interpreter() without the worker package", str(error))
else:
    raise AssertionError("interpreter() worked without omnipkg_worker")

try:
    omnipkg.loader("tinypkg=>2")
except omnipkg.InvalidSpec as error:
    check("tinypkg=>2" in str(error) or "=>2" in str(error), "invalid spec text", str(error))
else:
    raise AssertionError("bad spec accepted")
step("invalid spec")
importlib.invalidate_caches()
print("ALL OK", sys.version.split()[0])
