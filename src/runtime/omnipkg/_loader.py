"""loader(): make installed versions (main's or a bubble's) importable inside a block or call.

Everything here is process-local: sys.path, sys.modules, sys.path_importer_cache and one
sys.meta_path slot (see _shim.py) change, and the files on disk never do, so other processes using
the same environment are unaffected. Those are process-wide objects, so an active block is seen
by every thread of the process; a lock only keeps two threads from corrupting the stack.

Enter: pick a version per spec, work out which distributions change relative to what is active
now, refuse if one of them has compiled extensions loaded (they cannot be unloaded), then snapshot
and remove the sys.modules entries under their top-level names, put the bubbles first on sys.path
and route those names. Exit: drop what the block imported under those names or from the bubbles,
and put back the snapshot (the same module objects, the same sys.path items).
"""
import _thread
import os
import sys

from . import _installed, _shim
from ._errors import ExtensionConflict, LoaderStateError, NotInstalled, StaleBubble, VersionConflict
from ._install import display_command, run_install
from ._pep440 import parse_requirement



class Activation(tuple):
    """(spec, name, version, location, path) of one active spec; location is "main" or "bubble".
    A tuple subclass rather than a namedtuple so that `import omnipkg` does not import collections."""

    __slots__ = ()
    _fields = ("spec", "name", "version", "location", "path")

    def __new__(cls, spec, name, version, location, path):
        return tuple.__new__(cls, (spec, name, version, location, path))

    spec = property(lambda self: self[0])
    name = property(lambda self: self[1])
    version = property(lambda self: self[2])
    location = property(lambda self: self[3])
    path = property(lambda self: self[4])

    def __repr__(self):
        return "Activation(%s)" % ", ".join("%s=%r" % pair for pair in zip(self._fields, self))


_lock = _thread.RLock()
_SUSPENDING_CODE = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
_stack = []
# canonical name -> (version text, folder) of extension modules a finished block left in memory.
_extensions_in_memory = {}


class _Frame:
    __slots__ = (
        "activations", "effective", "bubbles", "dirs", "name_owner", "changed",
        "saved_modules", "path_list", "saved_path", "saved_cache", "keys_before", "routes", "owners",
    )

    def __init__(self, activations, effective, bubbles):
        self.activations = activations
        self.effective = effective
        self.bubbles = bubbles
        self.dirs = []
        self.name_owner = {}
        self.changed = {}
        self.saved_modules = None
        self.routes = {}
        self.owners = {}


def _describe(dist):
    return "%s %s" % (dist.display, dist.version)


def _pick(state, reqs):
    """For each spec, the newest matching installed copy (main wins a tie), plus everything its
    bubble's manifest resolved with it. Raises NotInstalled listing every unmatched spec."""
    desired, needed_by, bubbles, activations, missing = {}, {}, [], [], []

    def need(dist, spec):
        have = desired.get(dist.name)
        if have is not None and have.version != dist.version:
            raise VersionConflict(
                "%s needs %s but %s needs %s; they cannot be active in one loader()."
                % (needed_by[dist.name], _describe(have), spec, _describe(dist))
            )
        desired.setdefault(dist.name, dist)
        needed_by.setdefault(dist.name, spec)

    for text, name, specifiers in reqs:
        pinned = desired.get(name)
        if pinned is not None:
            if not specifiers.contains(pinned.version, prereleases=True):
                raise VersionConflict(
                    "%s needs %s, which does not satisfy %s." % (needed_by[name], _describe(pinned), text)
                )
            activations.append(Activation(text, pinned.display, str(pinned.version), pinned.location, pinned.dir))
            continue
        candidates = state.candidates(name)
        matching = specifiers.select([dist.version for dist, _ in candidates])
        if not matching:
            missing.append((text, candidates))
            continue
        best = max(matching)
        dist, bubble = next((d, b) for d, b in candidates if d.version == best)
        if bubble is None:
            need(dist, text)
        else:
            for member in bubble.dists.values():
                if member.location == "main":
                    in_main = state.main.get(member.name)
                    if in_main is None or in_main.version != member.version:
                        raise StaleBubble(
                            "Bubble %s expects %s from main, but main has %s; remove the bubble "
                            "(omnipkg uninstall %s==%s) and install it again (%s)."
                            % (
                                bubble.path,
                                _describe(member),
                                _describe(in_main) if in_main else "no %s" % member.display,
                                bubble.display,
                                bubble.version,
                                display_command([text]),
                            )
                        )
                    member = in_main
                need(member, text)
            if bubble not in bubbles:
                bubbles.append(bubble)
        activations.append(Activation(text, dist.display, str(dist.version), dist.location, dist.dir or bubble.path))
    if missing:
        raise _not_installed(state, missing)
    return activations, desired, bubbles


def _not_installed(state, missing):
    parts = []
    for text, candidates in missing:
        if candidates:
            ordered = sorted(candidates, key=lambda pair: pair[0].version, reverse=True)
            have = ", ".join("%s (%s)" % (d.version, "main" if b is None else "bubble") for d, b in ordered)
            parts.append("%s is not installed (installed: %s)" % (text, have))
        else:
            parts.append("%s is not installed" % text)
    specs = [text for text, _ in missing]
    command = display_command(specs)
    message = "%s in %s" % ("; ".join(parts), state.prefix)
    if state.ignored:
        message += " (ignored bubbles: %s)" % "; ".join("%s: %s" % item for item in state.ignored)
    message += ". Install it with: %s" % command
    return NotInstalled(message, specs, command)


def _top(key):
    dot = key.find(".")
    return key if dot < 0 else key[:dot]


def _file_in(module, dirs):
    paths = []
    file = getattr(module, "__file__", None)
    if isinstance(file, str):
        paths.append(file)
    elif file is None:
        paths.extend(p for p in (getattr(module, "__path__", None) or ()) if isinstance(p, str))
    return any(p.startswith(d + os.sep) for p in paths for d in dirs)


def _within(path, folder):
    prefix = folder + os.sep
    return path.startswith(prefix) or os.path.realpath(path).startswith(prefix)


def _check_extensions(frame, saved):
    suffixes = _installed.extension_suffixes()
    for key, module in saved.items():
        file = getattr(module, "__file__", None)
        if not (isinstance(file, str) and file.endswith(suffixes)):
            continue
        name = frame.name_owner[_top(key)]
        current, new = frame.changed[name]
        if _within(file, new.dir):
            continue
        if current is not None and _within(file, current.dir):
            _raise_conflict(new, _describe(current), str(current.version), [key])
        _raise_conflict(new, "%s from %s" % (new.display, os.path.dirname(file)), None, [key])
    for name, (current, new) in frame.changed.items():
        left = _extensions_in_memory.get(name)
        if left is not None and left[1] != new.dir:
            _raise_conflict(new, "%s %s" % (new.display, left[0]), left[0], [])


def _raise_conflict(new, loaded, loaded_version, modules):
    detail = " (%s)" % ", ".join(sorted(modules)) if modules else ""
    raise ExtensionConflict(
        "Cannot activate %s: %s is already loaded in this process with compiled extension modules%s, "
        "which cannot be unloaded; activate it before the first import, or run this code in another process."
        % (_describe(new), loaded, detail),
        new.display,
        loaded_version,
        str(new.version),
        modules,
    )


def _routing(state, effective, bubbles):
    """routes (top-level name -> folders to skip) and owners (dist -> folder) for the shim."""
    routes, owners = {}, {}
    for name, dist in effective.items():
        owners[name] = dist.dir
        others = []
        in_main = state.main.get(name)
        if in_main is not None and in_main.dir != dist.dir:
            others.append(in_main)
        for bubble in bubbles:
            member = bubble.dists.get(name)
            if member is not None and member.location == "bubble" and member.dir != dist.dir:
                others.append(member)
        if not others:
            continue
        tops = set(dist.top_level)
        for other in others:
            tops.update(other.top_level)
        for top in tops:
            skip = {o.dir for o in others if not state.is_namespace_portion(o.dir, top)}
            skip.discard(dist.dir)
            if skip:
                routes[top] = routes.get(top, frozenset()) | skip
    return routes, owners


def _activate(reqs, install):
    state = _installed.current()
    try:
        activations, desired, bubbles = _pick(state, reqs)
    except NotInstalled as error:
        if not install:
            raise
        run_install(error.specs)
        state = _installed.current(force=True)
        activations, desired, bubbles = _pick(state, reqs)
    parent = _stack[-1] if _stack else None
    base = parent.effective if parent is not None else {}
    frame = _Frame(activations, base, list(parent.bubbles) if parent is not None else [])
    for name, new in desired.items():
        current = base.get(name) or state.main.get(name)
        if current is None or current.dir != new.dir or current.version != new.version:
            frame.changed[name] = (current, new)
    if not frame.changed:
        # The requested versions are the ones already importable: nothing to do.
        if parent is not None:
            frame.routes, frame.owners = parent.routes, parent.owners
        return frame
    for name, (current, new) in frame.changed.items():
        for top in new.top_level:
            frame.name_owner.setdefault(top, name)
        if current is not None:
            for top in current.top_level:
                frame.name_owner.setdefault(top, name)
    owned = frame.name_owner
    modules = sys.modules
    saved = {key: module for key, module in list(modules.items()) if _top(key) in owned}
    _check_extensions(frame, saved)

    # Nothing has changed so far; from here on every step is a plain assignment.
    frame.effective = dict(base)
    for name, (_, new) in frame.changed.items():
        frame.effective[name] = new
    for bubble in bubbles:
        if bubble not in frame.bubbles:
            frame.bubbles.append(bubble)
    frame.dirs = [b.path for b in bubbles]
    frame.routes, frame.owners = _routing(state, frame.effective, frame.bubbles)
    for key in saved:
        del modules[key]
    frame.saved_modules = saved
    frame.keys_before = set(modules)
    frame.path_list = sys.path
    frame.saved_path = sys.path[:]
    cache = sys.path_importer_cache
    frame.saved_cache = {d: cache[d] for d in frame.dirs if d in cache}
    for d in frame.dirs:
        cache.pop(d, None)  # a fresh FileFinder lists the bubble as it is now
    sys.path[0:0] = frame.dirs
    _shim.install()
    _shim.set_active(frame.routes, frame.owners)
    return frame


def _deactivate(frame):
    if frame.saved_modules is not None:
        modules = sys.modules
        suffixes = _installed.extension_suffixes()
        for key in modules.keys() - frame.keys_before:
            module = modules.get(key)
            name = frame.name_owner.get(_top(key))
            if name is None and not _file_in(module, frame.dirs):
                continue
            file = getattr(module, "__file__", None)
            if name is not None and isinstance(file, str) and file.endswith(suffixes):
                for dist in frame.changed[name]:
                    if dist is not None and _within(file, dist.dir):
                        _extensions_in_memory[name] = (str(dist.version), dist.dir)
            del modules[key]
        modules.update(frame.saved_modules)
        if sys.path is not frame.path_list:
            sys.path = frame.path_list  # the block rebound sys.path: put the original list back
        sys.path[:] = frame.saved_path
        cache = sys.path_importer_cache
        for d in frame.dirs:
            cache.pop(d, None)
        cache.update(frame.saved_cache)
    top = _stack[-1] if _stack else None
    if top is not None and top.owners:
        _shim.set_active(top.routes, top.owners)
    else:
        _shim.uninstall()


class loader:
    """Activate installed versions for a block: `with omnipkg.loader("rich==13.4.2"): ...`.

    Each spec is a name with optional PEP 440 specifiers ("pygments<2.17", "rich"); the newest
    installed version that matches, in main or in a bubble, is chosen. Also a decorator
    (`@omnipkg.loader("rich==13.4.2")`). Blocks nest and must end in reverse order.
    install=True runs `omnipkg install` for specs that are not installed, then activates.
    """

    def __init__(self, *specs, install=False):
        if not specs:
            raise TypeError("loader() needs at least one spec, e.g. loader('rich==13.4.2')")
        reqs = []
        for spec in specs:
            name, specifiers = parse_requirement(spec)
            reqs.append((spec.strip(), name, specifiers))
        self._reqs = tuple(reqs)
        self._install = bool(install)
        self._frames = []

    def __enter__(self):
        with _lock:
            frame = _activate(self._reqs, self._install)
            _stack.append(frame)
            self._frames.append(frame)
        return self

    def __exit__(self, *exc_info):
        with _lock:
            frame = self._frames[-1] if self._frames else None
            if frame is None or not _stack or _stack[-1] is not frame:
                raise LoaderStateError(
                    "loader(%s) is exiting while another block started after it is still active; "
                    "blocks must end in the reverse order they started." % ", ".join(repr(r[0]) for r in self._reqs)
                )
            self._frames.pop()
            _stack.pop()
            _deactivate(frame)
        return False

    def __call__(self, func):
        code = getattr(func, "__code__", None)
        if code is not None and code.co_flags & _SUSPENDING_CODE:
            # The block would end when the coroutine or generator object is created, not when
            # its body runs.
            raise TypeError(
                "loader() decorates plain functions; %s is a generator or coroutine function, "
                "so use `with omnipkg.loader(...)` inside its body instead." % getattr(func, "__qualname__", func)
            )
        import functools

        @functools.wraps(func)
        def activated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return activated

    @property
    def activations(self):
        """What this loader's innermost active block chose (empty outside the block)."""
        return list(self._frames[-1].activations) if self._frames else []

    @staticmethod
    def active():
        """Every active activation, outermost first: Activation(spec, name, version, location, path)."""
        with _lock:
            return [a for frame in _stack for a in frame.activations]

    def __repr__(self):
        return "omnipkg.loader(%s)" % ", ".join(repr(r[0]) for r in self._reqs)
