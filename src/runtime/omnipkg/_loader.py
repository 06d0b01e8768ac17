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
from ._errors import ExtensionConflict, LoaderStateError, NotInstalled
from ._install import run_install
from ._pep440 import parse_requirement
from ._plan import Activation, make_plan

__all__ = ["Activation", "loader"]

_lock = _thread.RLock()
_SUSPENDING_CODE = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
_stack = []
# canonical name -> (version text, folder) of extension modules a finished block left in memory.
_extensions_in_memory = {}


class _Frame:
    """One active block: its plan and the snapshot its exit restores."""

    __slots__ = ("plan", "saved_modules", "path_list", "saved_path", "saved_cache", "keys_before")

    def __init__(self, plan):
        self.plan = plan
        self.saved_modules = None


def _describe(dist):
    return "%s %s" % (dist.display, dist.version)


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


def _owned_by(file, dist):
    """Whether `file` is one of `dist`'s own files: inside its folder and under one of its top-level
    names. A module can live under one project's name while its file belongs to another (requests
    aliases charset_normalizer's compiled `md` as `requests.packages.charset_normalizer.md`), so the
    module name alone does not say whose extension it is."""
    for root in {dist.dir, os.path.realpath(dist.dir)}:
        prefix = root + os.sep
        for path in {file, os.path.realpath(file)}:
            if path.startswith(prefix):
                first = path[len(prefix):].split(os.sep, 1)[0]
                return first.split(".", 1)[0] in dist.top_level
    return False


def _check_extensions(plan, saved):
    suffixes = _installed.extension_suffixes()
    for key, module in saved.items():
        file = getattr(module, "__file__", None)
        if not (isinstance(file, str) and file.endswith(suffixes)):
            continue
        name = plan.name_owner[_top(key)]
        current, new = plan.changed[name]
        if _within(file, new.dir):
            continue
        if current is not None and _within(file, current.dir):
            if not _owned_by(file, current):
                continue  # another project's extension that merely sits under this one's name
            _raise_conflict(new, _describe(current), str(current.version), [key])
        _raise_conflict(new, "%s from %s" % (new.display, os.path.dirname(file)), None, [key])
    for name, (current, new) in plan.changed.items():
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


def _plan_for(owner):
    """The plan for a loader at the current nesting level, reusing its last one when valid."""
    state = _installed.current()
    parent = _stack[-1].plan if _stack else None
    cached = owner._cached_plan
    if cached is not None and cached[0] is state and cached[1] is parent:
        return cached[2]
    try:
        plan = make_plan(state, owner._reqs, parent)
    except NotInstalled as error:
        if not owner._install:
            raise
        run_install(error.specs)
        state = _installed.current(force=True)
        plan = make_plan(state, owner._reqs, parent)
    owner._cached_plan = (state, parent, plan)
    return plan


def _activate(owner):
    plan = _plan_for(owner)
    frame = _Frame(plan)
    if plan.noop:
        return frame
    owned = plan.name_owner
    modules = sys.modules
    saved = {key: module for key, module in list(modules.items()) if key.partition(".")[0] in owned}
    _check_extensions(plan, saved)

    # Nothing has changed so far; from here on every step is a plain assignment.
    for key in saved:
        del modules[key]
    frame.saved_modules = saved
    frame.keys_before = set(modules)
    frame.path_list = sys.path
    frame.saved_path = sys.path[:]
    cache = sys.path_importer_cache
    frame.saved_cache = {d: cache[d] for d in plan.dirs if d in cache}
    for d in plan.dirs:
        cache.pop(d, None)  # a fresh FileFinder lists the bubble as it is now
    sys.path[0:0] = plan.dirs
    _shim.install()
    _shim.set_active(plan.routes, plan.owners)
    return frame


def _deactivate(frame):
    plan = frame.plan
    if frame.saved_modules is not None:
        modules = sys.modules
        suffixes = _installed.extension_suffixes()
        for key in modules.keys() - frame.keys_before:
            module = modules.get(key)
            name = plan.name_owner.get(key.partition(".")[0])
            if name is None and not _file_in(module, plan.dirs):
                continue
            file = getattr(module, "__file__", None)
            if name is not None and isinstance(file, str) and file.endswith(suffixes):
                for dist in plan.changed[name]:
                    if dist is not None and _within(file, dist.dir):
                        _extensions_in_memory[name] = (str(dist.version), dist.dir)
            del modules[key]
        modules.update(frame.saved_modules)
        if sys.path is not frame.path_list:
            sys.path = frame.path_list  # the block rebound sys.path: put the original list back
        sys.path[:] = frame.saved_path
        cache = sys.path_importer_cache
        for d in plan.dirs:
            cache.pop(d, None)
        cache.update(frame.saved_cache)
    top = _stack[-1].plan if _stack else None
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
    isolate=True runs a decorated function (or `.call(func, ...)`) in a warm worker of this
    environment with the specs active, for versions ExtensionConflict keeps out of this process;
    isolate="auto" does so only when in-process activation raises ExtensionConflict; timeout=
    (seconds) bounds each such call. See _isolate.py.
    """

    def __init__(self, *specs, install=False, isolate=False, timeout=None):
        if not specs:
            raise TypeError("loader() needs at least one spec, e.g. loader('rich==13.4.2')")
        if not (isolate is False or isolate is True or isolate == "auto"):
            raise TypeError("loader(isolate=...) takes False, True or 'auto', not %r" % (isolate,))
        if timeout is not None and not isolate:
            raise TypeError("loader(timeout=...) limits calls run in a worker, so it needs isolate=True or 'auto'")
        reqs = []
        for spec in specs:
            name, specifiers = parse_requirement(spec)
            reqs.append((spec.strip(), name, specifiers))
        self._reqs = tuple(reqs)
        self._install = bool(install)
        self._isolate = isolate
        self._timeout = timeout
        self._link = None  # _isolate.Isolated, made on the first call that needs a worker
        self._frames = []
        self._cached_plan = None  # (installed state, parent plan, plan)

    def __enter__(self):
        if self._isolate:
            raise TypeError(
                "%r cannot be used as a `with` block: a block of code cannot move to another process, "
                "only a function can. Decorate a function with @omnipkg.loader(..., isolate=%r), or call "
                "loader(..., isolate=%r).call(function, *args)." % (self, self._isolate, self._isolate)
            )
        with _lock:
            frame = _activate(self)
            _stack.append(frame)
            self._frames.append(frame)
        return self

    def __exit__(self, *exc_info):
        with _lock:
            frame = self._frames[-1] if self._frames else None
            if frame is None:
                raise LoaderStateError("%r is exiting a block it never entered." % (self,))
            if not _stack or _stack[-1] is not frame:
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
            if self._isolate:
                raise TypeError(
                    "loader(..., isolate=%r) runs plain functions in a worker; %s is a generator or coroutine "
                    "function, whose result cannot be sent back." % (self._isolate, getattr(func, "__qualname__", func))
                )
            raise TypeError(
                "loader() decorates plain functions; %s is a generator or coroutine function, "
                "so use `with omnipkg.loader(...)` inside its body instead." % getattr(func, "__qualname__", func)
            )
        import functools

        if self._isolate is True:
            from . import _isolate

            _isolate.describe_function(func)  # a lambda or closure fails here, not at the first call

            @functools.wraps(func)
            def isolated(*args, **kwargs):
                if _isolate.in_worker:
                    # Already in a worker (one isolated function calling another): asking the
                    # daemon again could wait for this very worker; activate here when possible.
                    return self._call_auto(func, isolated, args, kwargs)
                return _isolate.run_isolated(self, func, isolated, args, kwargs)

            isolated.__omnipkg_isolated__ = func  # what the worker runs: this wrapper would recurse
            return isolated
        if self._isolate == "auto":

            @functools.wraps(func)
            def activated(*args, **kwargs):
                return self._call_auto(func, activated, args, kwargs)

            activated.__omnipkg_isolated__ = func
            return activated

        @functools.wraps(func)
        def activated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return activated

    def call(self, func, *args, **kwargs):
        """func(*args, **kwargs) with the specs active: in this process (isolate=False), in a
        worker (isolate=True), or in this process unless ExtensionConflict stops it ("auto")."""
        if self._isolate is True:
            from . import _isolate

            if not _isolate.in_worker:
                return _isolate.run_isolated(self, func, None, args, kwargs)
        if self._isolate:
            return self._call_auto(func, None, args, kwargs)
        with self:
            return func(*args, **kwargs)

    def _call_auto(self, func, wrapper, args, kwargs):
        with _lock:
            try:
                frame = _activate(self)
            except ExtensionConflict as conflict:
                frame = None
                error = conflict
            else:
                _stack.append(frame)
                self._frames.append(frame)
        if frame is None:
            from . import _isolate

            return _isolate.run_isolated(self, func, wrapper, args, kwargs, conflict=error)
        try:
            return func(*args, **kwargs)
        finally:
            self.__exit__(None, None, None)

    def _preflight(self):
        """Resolve the specs here, as the worker will, so that NotInstalled (and install=True)
        happen in this process, with the exact install command, rather than as a worker fault.
        Done before a function's first call only: a running worker keeps its activation anyway."""
        state = _installed.current()
        try:
            make_plan(state, self._reqs, None)
        except NotInstalled as error:
            if not self._install:
                raise
            run_install(error.specs)
            make_plan(_installed.current(force=True), self._reqs, None)

    def _isolated(self):
        if self._link is None:
            from . import _isolate

            self._link = _isolate.Isolated([r[0] for r in self._reqs], self._timeout)
        return self._link

    @property
    def activations(self):
        """What this loader's innermost active block chose (empty outside the block)."""
        return list(self._frames[-1].plan.activations) if self._frames else []

    @staticmethod
    def active():
        """Every active activation, outermost first: Activation(spec, name, version, location, path)."""
        with _lock:
            return [a for frame in _stack for a in frame.plan.activations]

    def __repr__(self):
        return "omnipkg.loader(%s)" % ", ".join(repr(r[0]) for r in self._reqs)
