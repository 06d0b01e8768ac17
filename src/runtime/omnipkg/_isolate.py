"""loader(..., isolate=True): run a function in a warm worker of this interpreter with the specs active.

Compiled extensions cannot be unloaded, so a process that already imported one version of a
distribution with extension modules can never import another (ExtensionConflict). A worker that
activated the other version before any import can: the omnipkg daemon keeps one per (interpreter,
bubble set), and this module sends it the function *by name* (`module:qualname`), its arguments
and returns the result.

Traps:
- Only a name crosses the process boundary, so lambdas and functions defined inside functions
  cannot be sent; a function of `__main__` is sent as its script file, which the worker loads under
  another module name, so the script's `if __name__ == "__main__":` block does not run there (its
  top-level code does, once per worker).
- The name resolves to our own wrapper in the worker too (the decorator rebinds it): the worker
  calls the function behind the wrapper, or it would ask the daemon again, forever.
- The worker is shared by every caller with the same interpreter and specs, so it only appends the
  caller's import root to its sys.path, never in front of the bubbles.
- This module is imported only when isolate is used; the socket client only on the first call.
"""
import hashlib
import importlib
import os
import sys
import threading

_MAIN_ALIAS = "__omnipkg_main_"  # + 12 hex + "__": the worker's module name for a caller's script
in_worker = False  # set in a worker process by its first run_in_worker call


# ---- the caller's side -------------------------------------------------------------------------


def _managed_prefix():
    """This environment's folder when it is a managed one (<home>/envs/<id>), else None."""
    prefix = os.path.realpath(sys.prefix)
    return prefix if os.path.basename(os.path.dirname(prefix)) == "envs" else None


def _python_request():
    # The daemon resolves an interpreter id exactly, and a managed environment's folder is named by
    # its id, so the worker runs in this very environment (with its bubbles), not merely the same
    # version. Outside a managed environment the version is all there is to ask for.
    prefix = _managed_prefix()
    if prefix is not None:
        return os.path.basename(prefix)
    return "%d.%d.%d" % sys.version_info[:3]


def _import_root(module_name, file):
    """The sys.path entry `module_name` was imported from, found from its file."""
    if not isinstance(file, str) or not os.path.isabs(file):
        return None
    root = os.path.dirname(file)
    depth = module_name.count(".")
    if os.path.splitext(os.path.basename(file))[0] == "__init__":
        depth += 1
    for _ in range(depth):
        root = os.path.dirname(root)
    return root


def _not_sendable(func, why):
    return TypeError(
        "loader(..., isolate=True) cannot run %s in a worker: %s. A worker finds the function by its "
        "module and name, so define it with `def` at the top level of a module or script."
        % (getattr(func, "__qualname__", None) or repr(func), why)
    )


def describe_function(func):
    """How the worker finds `func`: a dict for run_in_worker, or TypeError saying why it cannot."""
    module_name = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not callable(func) or not isinstance(module_name, str) or not isinstance(qualname, str):
        raise _not_sendable(func, "it has no module and qualified name")
    if qualname.endswith("<lambda>"):
        raise _not_sendable(func, "it is a lambda, which has no name to import it by")
    if "<locals>" in qualname:
        raise _not_sendable(func, "it is defined inside another function (%s)" % qualname)
    module = sys.modules.get(module_name)
    if module is None:
        raise _not_sendable(func, "its module %s is not in sys.modules" % module_name)
    target = {
        "qualname": qualname,
        "python": list(sys.version_info[:3]),
        "prefix": _managed_prefix(),
    }
    if module_name == "__main__":
        spec = getattr(module, "__spec__", None)
        name = getattr(spec, "name", None)
        if name and name != "__main__":  # python -m package.module: import it by that name
            target.update(kind="module", module=name, root=_import_root(name, getattr(module, "__file__", None)))
            return target
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not file.endswith(".py") or not os.path.isfile(file):
            raise _not_sendable(
                func, "it belongs to __main__, which has no script file here (an interactive session or python -c)"
            )
        target.update(kind="script", file=os.path.abspath(file))
        return target
    target.update(kind="module", module=module_name, root=_import_root(module_name, getattr(module, "__file__", None)))
    return target


def _check_name_finds(func, wrapper):
    """The worker resolves module:qualname; make sure that name is this function here too."""
    obj = sys.modules.get(func.__module__)
    try:
        for part in func.__qualname__.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        obj = None
    seen = 0
    while obj is not None and seen < 100:
        if obj is func or obj is wrapper:
            return
        obj = getattr(obj, "__wrapped__", None)
        seen += 1
    raise _not_sendable(
        func, "the name %s.%s does not refer to this function" % (func.__module__, func.__qualname__)
    )


def _client():
    try:
        from omnipkg_worker import client
    except ImportError as error:
        raise ImportError(
            "loader(..., isolate=True) needs the omnipkg_worker package next to omnipkg in %s (%s)."
            % (sys.prefix, error)
        )
    return client


class Isolated:
    """A loader's link to its workers: one daemon connection per thread, so threads run in parallel."""

    def __init__(self, specs, timeout):
        self.specs = list(specs)
        self.timeout = timeout
        self._local = threading.local()
        # id(func) -> (func, target): describing a function stats its script; once is enough.
        self.targets = {}

    def _handle(self):
        handle = getattr(self._local, "handle", None)
        if handle is None:
            handle = _client().interpreter(_python_request(), *self.specs, timeout=self.timeout)
            self._local.handle = handle
        return handle

    def call(self, target, args, kwargs):
        handle = self._handle()
        client = sys.modules["omnipkg_worker.client"]
        try:
            return handle.call("omnipkg._isolate:run_in_worker", target, list(args), dict(kwargs))
        except client.RemoteError as error:
            local = _localize(error, client.RemoteError)
            if local is error:
                raise
        raise local from None


def run_isolated(owner, func, wrapper, args, kwargs, conflict=None):
    """Run func(*args, **kwargs) in a worker with `owner`'s specs active and return its result."""
    link = owner._isolated()
    known = link.targets.get(id(func))
    if known is not None and known[0] is func:
        target = known[1]
    else:
        try:
            target = describe_function(func)
            _check_name_finds(func, wrapper)
        except TypeError as error:
            if conflict is not None:  # isolate="auto": say why the fallback was needed
                raise error from conflict
            raise
        owner._preflight()
        link.targets[id(func)] = (func, target)
    return link.call(target, args, kwargs)


# ---- exceptions: the remote type, as a local class when this process has it -------------------

_remote_subclasses = {}


def _local_class(type_name):
    parts = type_name.split(".")
    if len(parts) < 2:
        return None  # a builtin: the client already made it one
    if parts[0].startswith(_MAIN_ALIAS):
        module, rest = sys.modules.get("__main__"), parts[1:]
    else:
        module, rest = None, None
        for i in range(len(parts) - 1, 0, -1):
            module = sys.modules.get(".".join(parts[:i]))
            if module is not None:
                rest = parts[i:]
                break
    if module is None:
        return None  # never import here: that import could be the very conflict we avoided
    obj = module
    for part in rest:
        obj = getattr(obj, part, None)
    if isinstance(obj, type) and issubclass(obj, BaseException):
        return obj
    return None


def _localize(error, remote_error):
    """`error` (a RemoteError) as an instance of RemoteError and the local class of its type, so
    `except mypkg.MyError` catches it; `error` itself when there is no such class."""
    cls = _local_class(getattr(error, "remote_type", ""))
    if cls is None or isinstance(error, cls):
        return error
    sub = _remote_subclasses.get(cls)
    try:
        if sub is None:
            sub = type(
                cls.__name__,
                (remote_error, cls),
                {"__init__": Exception.__init__, "__module__": cls.__module__, "__qualname__": cls.__qualname__},
            )
            _remote_subclasses[cls] = sub
        local = sub.__new__(sub)
        Exception.__init__(local, *error.args)
    except TypeError:  # a layout or metaclass clash, or a __new__ that needs arguments
        return error
    local.remote_type = error.remote_type
    local.remote_traceback = error.remote_traceback
    local.python = error.python
    return local


# ---- the worker's side -------------------------------------------------------------------------

_lock = threading.Lock()


_my_prefix = []  # [realpath(sys.prefix)], once


def _check_same_interpreter(target):
    mine = list(sys.version_info[:3])
    if target["python"] != mine:
        raise RuntimeError(
            "The omnipkg worker runs Python %s, not the caller's Python %s; adopt that interpreter so "
            "isolate=True can start a worker of it." % (".".join(map(str, mine)), ".".join(map(str, target["python"])))
        )
    prefix = target.get("prefix")
    if not _my_prefix:
        _my_prefix.append(os.path.realpath(sys.prefix))
    if prefix and _my_prefix[0] != prefix:
        raise RuntimeError("The omnipkg worker runs in the environment %s, not the caller's %s." % (_my_prefix[0], prefix))


def _append_path(folder):
    if folder and folder not in sys.path:
        sys.path.append(folder)


_script_names = {}  # script path -> its module name in the worker


def _load_script(file):
    """The caller's main script as a module, (re)loaded when the file changed since last time."""
    name = _script_names.get(file)
    if name is None:
        name = _script_names[file] = "%s%s__" % (_MAIN_ALIAS, hashlib.sha256(file.encode("utf-8")).hexdigest()[:12])
    stat = os.stat(file)
    stamp = (stat.st_mtime_ns, stat.st_size)
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__omnipkg_stamp__", None) == stamp:
        return module
    import importlib.util

    _append_path(os.path.dirname(file))  # what sys.path[0] is for the script in its own process
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    module.__omnipkg_stamp__ = stamp
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _unwrap(obj):
    node, seen = obj, 0
    while node is not None and seen < 100:
        inner = getattr(node, "__omnipkg_isolated__", None)
        if inner is not None:
            return inner
        node = getattr(node, "__wrapped__", None)
        seen += 1
    return obj


def run_in_worker(target, args, kwargs):
    """Called by the worker (`call("omnipkg._isolate:run_in_worker", ...)`): find and run the function."""
    global in_worker
    _check_same_interpreter(target)
    in_worker = True
    with _lock:  # module loading; the call itself runs unlocked
        if target["kind"] == "script":
            obj = _load_script(target["file"])
        else:
            _append_path(target.get("root"))
            obj = importlib.import_module(target["module"])
    for part in target["qualname"].split("."):
        obj = getattr(obj, part)
    return _unwrap(obj)(*args, **kwargs)


__all__ = ["Isolated", "describe_function", "run_isolated", "run_in_worker"]
