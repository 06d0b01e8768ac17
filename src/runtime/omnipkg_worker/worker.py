"""A warm worker: runs exec/eval/call requests for omnipkg's pool, one at a time, until stdin ends.

Started by the pool as `python -c <bootstrap> <specs-json>` (see src/multiverse/workerProcess.ts).
Traps:
- The protocol owns the process's real stdin/stdout. User code that prints or reads input must not
  corrupt it, so the protocol keeps private duplicates of fds 0 and 1, fd 1 is pointed at stderr
  and fd 0 at /dev/null before any user code runs.
- A worker orphaned while stuck in user code would live forever: a watchdog thread exits when the
  parent pid changes.
- SIGINT from the terminal's process group must not kill a worker with a traceback: the parent
  decides when workers end (closing stdin ends the loop).
"""
import json
import os
import signal
import sys
import threading
import time
import traceback

from . import codec, framing

_SOURCE_FILE = os.path.abspath(__file__)


def _remote_type_name(error):
    kind = type(error)
    if kind.__module__ in ("builtins", "__main__"):
        return kind.__qualname__
    return "%s.%s" % (kind.__module__, kind.__qualname__)


def _describe(error):
    tb = error.__traceback__
    # Drop the worker's own frames so the text starts at the user's code.
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == _SOURCE_FILE:
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(error), error, tb))
    return {"type": _remote_type_name(error), "message": str(error), "traceback": text}


def _resolve_target(target):
    import importlib

    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError("call target %r must look like 'package.module:function'" % (target,))
    value = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


class Worker(object):
    def __init__(self, proto_in, proto_out):
        self._in = proto_in
        self._out = proto_out
        self.namespace = self._new_namespace()
        # One namespace per interpreter handle (session), so two handles sharing this worker do not
        # see each other's variables; imported modules are shared, as in any one process.
        self.sessions = {}

    @staticmethod
    def _new_namespace():
        return {"__name__": "__omnipkg_worker__", "__builtins__": __builtins__}

    def namespace_for(self, session):
        if not session:
            return self.namespace
        namespace = self.sessions.get(session)
        if namespace is None:
            namespace = self.sessions[session] = self._new_namespace()
        return namespace

    def send(self, message):
        self._out.write(framing.pack(message))
        self._out.flush()

    def handle(self, request):
        op = request.get("op")
        if op == "call":
            function = _resolve_target(request["target"])
            args = codec.decode(request.get("args") or [])
            kwargs = codec.decode(request.get("kwargs") or {})
            return function(*args, **kwargs)
        if op == "eval":
            namespace = self.namespace_for(request.get("session"))
            return eval(compile(request["expr"], "<omnipkg-eval>", "eval"), namespace)
        if op == "exec":
            namespace = self.namespace_for(request.get("session"))
            exec(compile(request["code"], "<omnipkg-exec>", "exec"), namespace)
            return None
        if op == "ping":
            return {"pid": os.getpid()}
        raise ValueError("unknown worker operation %r" % (op,))

    def serve(self):
        read = self._in.read
        while True:
            request = framing.read_frame(read)
            if request is None:
                return
            reply = {"id": request.get("id")}
            try:
                reply["value"] = codec.encode(self.handle(request))
                reply["ok"] = True
            except BaseException as error:  # noqa: B902 - user code may raise anything, even SystemExit
                reply["ok"] = False
                reply["error"] = _describe(error)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            self.send(reply)


def _watch_parent(parent_pid):
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(3)


def _activate_bubbles(specs):
    """Enter omnipkg.loader(*specs) for the life of the worker; the loader is the bubbles area's."""
    try:
        import omnipkg
    except ImportError:
        # Not shipped into this environment: use the copy beside this package (same omnipkg).
        sys.path.append(os.path.dirname(os.path.dirname(_SOURCE_FILE)))
        import omnipkg
    loader = getattr(omnipkg, "loader", None)
    if loader is None:
        raise ImportError("this omnipkg runtime has no loader, so bubbles cannot be activated")
    context = loader(*specs)
    context.__enter__()
    return context


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    specs = json.loads(argv[0]) if argv else []
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, "r")
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    worker = Worker(proto_in, proto_out)
    try:
        if specs:
            worker.namespace["__omnipkg_bubbles__"] = _activate_bubbles(specs)
    except BaseException as error:
        worker.send({"fatal": _describe(error)})
        return 2
    import platform

    worker.send(
        {
            "hello": {
                "pid": os.getpid(),
                "version": platform.python_version(),
                "executable": sys.executable,
                "bubbles": specs,
            }
        }
    )
    try:
        worker.serve()
    except (BrokenPipeError, EOFError):
        return 0
    return 0
