"""What is installed in this environment: main's distributions and the bubbles, read from disk.

The scan is cached per process and revalidated on every call by a few stat() calls: the mtimes of
main's site-packages folders, of `<prefix>/bubbles` and of each bubble folder. Installing or
removing a distribution renames a *.dist-info folder and creating or pruning a bubble renames a
folder, so each changes one of those mtimes (see src/runtime/README.md for the writer's side).
"""
import os
import sys

from ._dists import extension_suffixes, load_bubble, scan_main
from ._pep440 import canonicalize

__all__ = ["InstalledVersion", "current", "extension_suffixes", "installed"]


class Installed:
    __slots__ = ("prefix", "main_dirs", "bubbles_dir", "main", "bubbles", "ignored", "watched", "_namespace")

    def __init__(self, prefix, main_dirs, bubbles_dir):
        self.prefix = prefix
        self.main_dirs = main_dirs
        self.bubbles_dir = bubbles_dir
        self.main = {}
        self.bubbles = []
        self.ignored = []  # (path, reason) of bubbles whose manifest could not be used
        self.watched = []  # every bubble folder scanned, used or ignored
        self._namespace = {}

    def candidates(self, name):
        """Every installed version of `name` it can be activated at: main's, then each bubble's."""
        found = []
        if name in self.main:
            found.append((self.main[name], None))
        for bubble in self.bubbles:
            if bubble.name == name:
                found.append((bubble.dists[name], bubble))
        return found

    def is_namespace_portion(self, dir, name):
        """True when `name` in `dir` is a folder without __init__ (shared by several dists)."""
        key = (dir, name)
        hit = self._namespace.get(key)
        if hit is None:
            folder = os.path.join(dir, name)
            hit = os.path.isdir(folder) and not os.path.exists(os.path.join(folder, "__init__.py"))
            self._namespace[key] = hit
        return hit


class InstalledVersion(tuple):
    """(name, version, location, path): one installed version; location is "main" or "bubble"."""

    __slots__ = ()
    _fields = ("name", "version", "location", "path")

    def __new__(cls, name, version, location, path):
        return tuple.__new__(cls, (name, version, location, path))

    name = property(lambda self: self[0])
    version = property(lambda self: self[1])
    location = property(lambda self: self[2])
    path = property(lambda self: self[3])

    def __repr__(self):
        return "InstalledVersion(%s)" % ", ".join("%s=%r" % pair for pair in zip(self._fields, self))


def installed(name=None):
    """Every version loader() can activate, newest first per name: main's and each bubble's root.
    With `name`, only that distribution's (any spelling)."""
    state = current()
    wanted = canonicalize(name) if name is not None else None
    found = []
    for dist in state.main.values():
        if wanted is None or dist.name == wanted:
            found.append((dist, dist.dir))
    for bubble in state.bubbles:
        if wanted is None or bubble.name == wanted:
            found.append((bubble.dists[bubble.name], bubble.path))
    found.sort(key=lambda pair: (pair[0].name, _descending(pair[0].version)))
    return [InstalledVersion(d.display, str(d.version), d.location, path) for d, path in found]


class _descending:
    __slots__ = ("version",)

    def __init__(self, version):
        self.version = version

    def __lt__(self, other):
        return self.version > other.version


def _main_dirs():
    """This package's own site-packages, then the prefix's other site folders (lib64, platlib).
    site.getsitepackages rather than sysconfig: sysconfig imports its data module, which costs
    time and leaves one more entry in the user's sys.modules."""
    import site

    dirs = [os.path.dirname(os.path.dirname(os.path.realpath(__file__)))]
    for path in site.getsitepackages([sys.prefix]):
        real = os.path.realpath(path)
        if real not in dirs and os.path.isdir(real):
            dirs.append(real)
    return tuple(dirs)


def _mtime(path):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


_state = None
_signature = None
_layout = None


def _current_signature(layout, bubble_paths):
    main_dirs, bubbles_dir = layout[1], layout[2]
    return (
        tuple(_mtime(d) for d in main_dirs),
        _mtime(bubbles_dir),
        tuple(_mtime(p) for p in bubble_paths),
    )


def current(force=False):
    """The installed state, rescanned only when one of the watched folders changed."""
    global _state, _signature, _layout
    prefix = sys.prefix
    if _layout is None or _layout[0] != prefix:
        _layout = (prefix, _main_dirs(), os.path.join(os.path.realpath(prefix), "bubbles"))
        _state = None
    bubble_paths = _state.watched if _state is not None else []
    if _state is not None and not force:
        if _current_signature(_layout, bubble_paths) == _signature:
            return _state
    had_state = _state is not None
    state = Installed(prefix, _layout[1], _layout[2])
    # Take the signature before reading, so a change during the scan triggers another scan.
    try:
        entries = sorted(os.listdir(state.bubbles_dir))
    except OSError:
        entries = []
    # realpath: a bubble folder may be a symlink; sys.path and module files must use the same
    # spelling as the folders the shim compares against.
    paths = [os.path.realpath(os.path.join(state.bubbles_dir, e)) for e in entries if not e.startswith(".")]
    paths = [p for p in paths if os.path.isdir(p)]
    signature = _current_signature(_layout, paths)
    state.watched = paths
    state.main = scan_main(state.main_dirs)
    for path in paths:
        bubble, problem = load_bubble(path)
        if bubble is None:
            state.ignored.append((path, problem))
        else:
            state.bubbles.append(bubble)
    _state, _signature = state, signature
    if had_state:
        # Files appeared or vanished since the last scan: drop the import system's listings too.
        import importlib

        importlib.invalidate_caches()
    return state
