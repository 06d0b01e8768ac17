"""The import-system shim that exists only while at least one loader() block is active.

Putting a bubble first on sys.path is enough for the plain case, but not for three others:
- importlib.metadata.distributions(), entry_points() and packages_distributions() would still list
  main's copy of a shadowed distribution next to the bubble's;
- a top-level module that only main's version ships (v1 has `pkg_legacy`, v2 does not) would still
  be importable from main inside the block;
- a nested block that asks for main's version while an outer block's bubble shadows it needs main's
  files to win although the outer bubble is earlier on sys.path.
So while a block is active, sys.meta_path's PathFinder is replaced by this wrapper, which delegates
everything and (1) searches top-level names of activated distributions without the folders of their
other versions and (2) filters the distributions PathFinder finds to the active versions. Only this
process's sys.meta_path list changes; the original PathFinder goes back when the last block ends.
"""
import os
import sys
from importlib.machinery import PathFinder

# Set by the loader from the innermost active block:
# routes: top-level module name -> frozenset of real folders to skip when finding it;
# owners: canonical distribution name -> the real folder whose copy is active.
routes = {}
owners = {}

_real_cache = {}


def real(path):
    """realpath() of a sys.path entry, cached for absolute entries (relative ones follow the cwd)."""
    hit = _real_cache.get(path)
    if hit is None:
        hit = os.path.realpath(path or ".")
        if os.path.isabs(path):
            _real_cache[path] = hit
    return hit


def _dist_name(path):
    base = os.path.basename(str(path))
    if base.endswith(".dist-info"):
        stem = base[:-10]
    elif base.endswith(".egg-info"):
        stem = base[:-9]
    else:
        return None
    return stem.split("-", 1)[0].replace("_", "-").replace(".", "-").lower()


def _visible(dist):
    path = getattr(dist, "_path", None)
    if path is None:
        return True
    name = _dist_name(path)
    owner = owners.get(name) if name else None
    if owner is None:
        return True
    return real(os.path.dirname(str(path))) == owner


class ActivePathFinder:
    """Stands in for importlib.machinery.PathFinder in sys.meta_path during activation."""

    def __init__(self, inner):
        self.inner = inner

    def find_spec(self, fullname, path=None, target=None):
        if path is None:
            skip = routes.get(fullname)
            if skip is not None:
                path = [p for p in sys.path if isinstance(p, str) and real(p) not in skip]
        return self.inner.find_spec(fullname, path, target)

    def find_distributions(self, *args, **kwargs):
        found = self.inner.find_distributions(*args, **kwargs)
        if not owners:
            return found
        return filter(_visible, found)

    def invalidate_caches(self):
        return self.inner.invalidate_caches()

    def __getattr__(self, name):
        # find_module (3.8-3.11) and anything else a tool may look up on PathFinder. "inner" is
        # guarded so that a copy made without __init__ raises instead of recursing.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __repr__(self):
        return "<omnipkg ActivePathFinder wrapping %r>" % (self.inner,)


_installed = None


def install():
    """Swap the wrapper into sys.meta_path (idempotent). False when PathFinder is not there."""
    global _installed
    if _installed is not None:
        return True
    for index, finder in enumerate(sys.meta_path):
        if finder is PathFinder:
            _installed = ActivePathFinder(finder)
            sys.meta_path[index] = _installed
            return True
    return False


def set_active(new_routes, new_owners):
    global routes, owners
    routes, owners = new_routes, new_owners


def uninstall():
    global _installed, routes, owners
    if _installed is None:
        return
    for index, finder in enumerate(sys.meta_path):
        if finder is _installed:
            sys.meta_path[index] = _installed.inner
            break
    _installed = None
    routes, owners = {}, {}
