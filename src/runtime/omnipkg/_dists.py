"""Reading distributions from disk: *.dist-info folders (RECORD, top_level.txt, METADATA) and
bubble manifests (.omnipkg-bubble.json, format in src/runtime/README.md). Pure functions of the
files; caching lives in _installed.py."""
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


def scan_main(dirs):
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


def load_bubble(path):
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
