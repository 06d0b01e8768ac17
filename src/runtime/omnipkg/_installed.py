"""What is installed in this environment: main's distributions and the bubbles, read from disk.

The scan is cached per process and revalidated on every call by a few stat() calls: the mtimes of
main's site-packages folders, of `<prefix>/bubbles` and of each bubble folder. Installing or
removing a distribution renames a *.dist-info folder and creating or pruning a bubble renames a
folder, so each changes one of those mtimes (see src/runtime/README.md for the writer's side).
"""
import os
import sys

from ._pep440 import InvalidSpec, canonicalize, parse_version

BUBBLE_MANIFEST = ".omnipkg-bubble.json"
BUBBLE_FORMAT = 1
PYTHON = "%d.%d" % sys.version_info[:2]

_EXT_SUFFIXES = None


def extension_suffixes():
    global _EXT_SUFFIXES
    if _EXT_SUFFIXES is None:
        from importlib.machinery import EXTENSION_SUFFIXES

        _EXT_SUFFIXES = tuple(sorted(set(EXTENSION_SUFFIXES) | {".so", ".pyd"}, key=len, reverse=True))
    return _EXT_SUFFIXES


class Dist:
    """One distribution at one location. `dir` is the real folder holding its importable files."""

    __slots__ = ("name", "display", "version", "dir", "location", "info", "_top_level", "_has_ext")

    def __init__(self, name, display, version, dir, location, info=None, top_level=None, has_ext=None):
        self.name = name
        self.display = display
        self.version = version
        self.dir = dir
        self.location = location
        self.info = info
        self._top_level = top_level
        self._has_ext = has_ext

    @property
    def top_level(self):
        if self._top_level is None:
            self._read_record()
        return self._top_level

    @property
    def has_extensions(self):
        if self._has_ext is None:
            self._read_record()
        return self._has_ext

    def _read_record(self):
        names, has_ext = set(), False
        if self.info is not None:
            for rel in _record_paths(self.info):
                top, ext = _top_name(rel)
                has_ext = has_ext or ext
                if top:
                    names.add(top)
            names.update(_read_lines(os.path.join(self.info, "top_level.txt")))
        if not names:
            names.add(self.name.replace("-", "_"))
        self._top_level = tuple(sorted(n for n in names if n.isidentifier()))
        self._has_ext = has_ext


class Bubble:
    __slots__ = ("name", "display", "version", "path", "dists")

    def __init__(self, name, display, version, path, dists):
        self.name = name
        self.display = display
        self.version = version
        self.path = path
        self.dists = dists  # canonical name -> Dist (location "bubble" or "main"), manifest order


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


def _read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]
    except OSError:
        return []


def _record_paths(info):
    try:
        with open(os.path.join(info, "RECORD"), encoding="utf-8", newline="") as f:
            text = f.read()
    except OSError:
        return []
    if '"' not in text:
        return [line.split(",", 1)[0] for line in text.splitlines() if line]
    import csv

    return [row[0] for row in csv.reader(text.splitlines()) if row]


def _top_name(rel):
    """('pkg', has_extension) for one RECORD path; '' for metadata, scripts and data files."""
    first = rel.replace("\\", "/").split("/", 1)[0]
    is_ext = rel.endswith(extension_suffixes())
    if not first or first in ("..", "__pycache__") or first.endswith((".dist-info", ".data", ".egg-info")):
        return "", False
    if "/" in rel.replace("\\", "/"):
        return first, is_ext
    if first.endswith(".py"):
        return first[:-3], False
    for suffix in extension_suffixes():
        if first.endswith(suffix):
            return first[: -len(suffix)], True
    return "", False


def _parse_metadata_file(path):
    name = version = None
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                if key.lower() == "name":
                    name = value.strip()
                elif key.lower() == "version":
                    version = value.strip()
    except OSError:
        pass
    return name, version


def _scan_main(dirs):
    main = {}
    for base in dirs:
        try:
            entries = sorted(os.listdir(base))
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(".dist-info"):
                stem, meta = entry[:-10], "METADATA"
            elif entry.endswith(".egg-info"):
                stem, meta = entry[:-9], "PKG-INFO"
            else:
                continue
            info = os.path.join(base, entry)
            parts = stem.split("-")
            display, version = parts[0], (parts[1] if len(parts) > 1 else None)
            try:
                parsed = parse_version(version) if version else None
            except InvalidSpec:
                parsed = None
            if parsed is None:
                meta_path = os.path.join(info, meta) if os.path.isdir(info) else info
                display, version = _parse_metadata_file(meta_path)
                try:
                    parsed = parse_version(version) if display and version else None
                except InvalidSpec:
                    parsed = None
                if parsed is None:
                    continue
            name = canonicalize(display)
            if name not in main:
                main[name] = Dist(name, display, parsed, base, "main", info if os.path.isdir(info) else None)
    return main


def _load_bubble(path):
    import json

    try:
        with open(os.path.join(path, BUBBLE_MANIFEST), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as error:
        return None, "unreadable %s (%s)" % (BUBBLE_MANIFEST, error)
    if not isinstance(data, dict) or data.get("format") != BUBBLE_FORMAT:
        return None, "manifest format %r is not %d" % (data.get("format") if isinstance(data, dict) else None, BUBBLE_FORMAT)
    if data.get("python") != PYTHON:
        return None, "built for Python %s, this is Python %s" % (data.get("python"), PYTHON)
    try:
        root = canonicalize(data["name"])
        version = parse_version(data["version"])
        dists = {}
        infos = None
        for item in data["dists"]:
            name = canonicalize(item["name"])
            location = item["location"]
            if location not in ("bubble", "main"):
                raise ValueError("location %r" % (location,))
            if location == "main":
                # Files, top-level names and extensions come from main's own dist-info.
                dists[name] = Dist(name, item["name"], parse_version(item["version"]), None, "main")
                continue
            dist = Dist(name, item["name"], parse_version(item["version"]), path, "bubble")
            if isinstance(item.get("top_level"), list):
                dist._top_level = tuple(str(n) for n in item["top_level"])
                dist._has_ext = bool(item.get("has_extensions", False))
            else:
                # An older or hand-made manifest: read the bubble's RECORD when first needed.
                if infos is None:
                    infos = _dist_infos(path)
                dist.info = infos.get((name, str(dist.version)))
            dists[name] = dist
        if root not in dists or dists[root].version != version:
            raise ValueError("its dists do not include %s %s" % (data["name"], data["version"]))
    except (KeyError, TypeError, ValueError, InvalidSpec) as error:
        return None, "invalid manifest (%s)" % (error,)
    return Bubble(root, data["name"], version, path, dists), None


def _dist_infos(folder):
    """(canonical name, normalised version) -> *.dist-info path, for the dist-info folders in `folder`."""
    found = {}
    try:
        entries = os.listdir(folder)
    except OSError:
        return found
    for entry in entries:
        if entry.endswith(".dist-info"):
            name, _, version = entry[:-10].partition("-")
            try:
                found[(canonicalize(name), str(parse_version(version)))] = os.path.join(folder, entry)
            except InvalidSpec:
                continue
    return found


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
    state.main = _scan_main(state.main_dirs)
    for path in paths:
        bubble, problem = _load_bubble(path)
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
