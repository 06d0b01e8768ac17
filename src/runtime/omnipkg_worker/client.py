"""`omnipkg.interpreter("3.9")`: run code on another adopted interpreter through the omnipkg daemon.

The daemon keeps warm workers per (interpreter, bubble set); this client talks to it over its Unix
socket, sending the token from the daemon's 0600 token file with every request, and starts the
daemon (through the omnipkg CLI named in omnipkg/_cli.json) when it is not running.
Paths here must match src/multiverse/daemonPaths.ts.
"""
import builtins
import hashlib
import json
import os
import select
import socket
import subprocess
import sys
import threading
import uuid

from . import codec, framing

__all__ = ["interpreter", "Interpreter", "RemoteError", "DaemonError"]


class DaemonError(RuntimeError):
    """omnipkg's own failure: the daemon is unreachable, a worker timed out or crashed, ..."""

    def __init__(self, code, message, hint=None):
        RuntimeError.__init__(self, message if not hint else "%s\nhint: %s" % (message, hint))
        self.code = code
        self.hint = hint


class RemoteError(Exception):
    """An exception raised by the code in the other interpreter."""

    remote_type = "Exception"
    remote_traceback = ""
    python = ""

    def __str__(self):
        return "%s: %s (raised in Python %s)\n\nRemote traceback:\n%s" % (
            self.remote_type,
            self.args[0] if self.args else "",
            self.python,
            self.remote_traceback.rstrip(),
        )


_remote_classes = {}


def _remote_class(type_name):
    """RemoteError, plus the builtin type of the same name when there is one, so `except
    ValueError` still catches a ValueError raised in the other interpreter."""
    if type_name in _remote_classes:
        return _remote_classes[type_name]
    base = getattr(builtins, type_name, None) if "." not in type_name else None
    cls = RemoteError
    if isinstance(base, type) and issubclass(base, Exception) and base is not Exception:
        try:
            cls = type("Remote" + type_name, (RemoteError, base), {"__init__": Exception.__init__})
        except TypeError:  # an incompatible layout (rare): plain RemoteError still names the type
            cls = RemoteError
    _remote_classes[type_name] = cls
    return cls


def _raise_remote(python, error):
    cls = _remote_class(error.get("type", "Exception"))
    exc = cls.__new__(cls)
    Exception.__init__(exc, error.get("message", ""))
    exc.remote_type = error.get("type", "Exception")
    exc.remote_traceback = error.get("traceback", "")
    exc.python = python
    raise exc


def home_root():
    env = os.environ.get("OMNIPKG_HOME")
    if env:
        return os.path.abspath(env)
    # Inside a managed environment (<home>/envs/<id>), the home is two folders up.
    prefix = os.path.abspath(sys.prefix)
    parent = os.path.dirname(prefix)
    if os.path.basename(parent) == "envs" and os.path.exists(os.path.join(os.path.dirname(parent), "config.toml")):
        return os.path.dirname(parent)
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(os.path.abspath(data), "omnipkg")


def daemon_dir(home):
    root = os.path.realpath(home)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        digest = hashlib.sha256(root.encode("utf-8")).hexdigest()[:12]
        return os.path.join(os.path.abspath(xdg), "omnipkg", digest)
    return os.path.join(root, "run")


def _cli_command():
    here = os.path.dirname(os.path.abspath(__file__))
    cli_json = os.path.join(os.path.dirname(here), "omnipkg", "_cli.json")
    try:
        with open(cli_json) as handle:
            cli = json.load(handle)
        return [cli["node"], cli["bin"]]
    except (OSError, ValueError, KeyError):
        import shutil

        found = shutil.which("omnipkg")
        if found:
            return [found]
    raise DaemonError(
        "DAEMON_UNAVAILABLE",
        "The omnipkg daemon is not running and this environment does not say where omnipkg is (%s)." % cli_json,
        "Start it with `omnipkg daemon start`.",
    )


def start_daemon(home):
    env = dict(os.environ, OMNIPKG_HOME=home)
    done = subprocess.run(
        _cli_command() + ["daemon", "start"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    if done.returncode != 0:
        raise DaemonError(
            "DAEMON_UNAVAILABLE",
            "Could not start the omnipkg daemon: %s" % done.stderr.decode("utf-8", "replace").strip(),
        )


class _Connection(object):
    def __init__(self, home, autostart):
        directory = daemon_dir(home)
        self.socket_path = os.path.join(directory, "daemon.sock")
        self.token_path = os.path.join(directory, "token")
        self.home = home
        self.autostart = autostart
        self.sock = None
        self.reader = None
        self.token = None
        self.next_id = 1
        self.lock = threading.Lock()

    def _connect_once(self):
        with open(self.token_path) as handle:
            self.token = handle.read().strip()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        self.reader = sock.makefile("rb")

    def connect(self):
        try:
            self._connect_once()
        except OSError:
            if not self.autostart:
                raise DaemonError(
                    "DAEMON_UNAVAILABLE",
                    "The omnipkg daemon for %s is not running." % self.home,
                    "Start it with `omnipkg daemon start`.",
                )
            start_daemon(self.home)
            self._connect_once()

    def close(self):
        if self.sock is not None:
            try:
                self.reader.close()
                self.sock.close()
            finally:
                self.sock = None
                self.reader = None

    def _stale(self):
        # A daemon stopped or restarted since our last call has closed our end: the socket reads
        # as end-of-stream. Noticing before sending lets the call go to the new daemon instead of
        # failing as if it had been cut off mid-way.
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
            return bool(readable) and self.sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def request(self, message):
        with self.lock:
            for attempt in (0, 1):
                if self.sock is not None and self._stale():
                    self.close()
                if self.sock is None:
                    self.connect()
                request_id = self.next_id
                self.next_id += 1
                message["id"] = request_id
                message["token"] = self.token
                try:
                    self.sock.sendall(framing.pack(message))
                    reply = framing.read_frame(self.reader.read)
                except (OSError, EOFError):
                    reply = None
                if reply is None:
                    self.close()
                    raise DaemonError(
                        "DAEMON_GONE",
                        "The omnipkg daemon closed the connection before answering (it was stopped or crashed).",
                        "The next call starts it again.",
                    )
                fault = reply.get("fault")
                if fault and fault.get("code") == "BAD_TOKEN" and attempt == 0:
                    # The daemon restarted with a new token since we connected.
                    self.close()
                    continue
                return reply


class Interpreter(object):
    """A handle to warm workers of one adopted interpreter (and bubble set), via the daemon."""

    def __init__(self, version, specs=(), timeout=None, home=None, autostart=True):
        self.version = version
        self.specs = list(specs)
        self.timeout = timeout
        # Every call of this handle runs on the same worker, so exec/eval/call share a namespace.
        self._session = uuid.uuid4().hex
        self._connection = _Connection(home or home_root(), autostart)

    def _send(self, message):
        message["python"] = self.version
        message["with"] = self.specs
        message["session"] = self._session
        if self.timeout is not None:
            message["timeoutMs"] = int(self.timeout * 1000)
        reply = self._connection.request(message)
        if reply.get("ok"):
            return codec.decode(reply.get("value"))
        if reply.get("error"):
            _raise_remote(self.version, reply["error"])
        fault = reply.get("fault") or {}
        raise DaemonError(fault.get("code", "DAEMON_ERROR"), fault.get("message", "the daemon failed"), fault.get("hint"))

    def exec(self, code):
        """Run statements in the worker's namespace (kept between calls on one worker)."""
        self._send({"op": "exec", "code": code})

    def eval(self, expr):
        """Evaluate an expression in the worker's namespace and return its value."""
        return self._send({"op": "eval", "expr": expr})

    def call(self, target, *args, **kwargs):
        """Call "package.module:function" there with these arguments and return its result."""
        return self._send(
            {"op": "call", "target": target, "args": codec.encode(list(args)), "kwargs": codec.encode(kwargs)}
        )

    def close(self):
        self._connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return "<omnipkg.interpreter %s%s>" % (self.version, (" with " + ", ".join(self.specs)) if self.specs else "")


def interpreter(version, *specs, **options):
    """A handle to a warm worker of the adopted interpreter `version` ("3.9", "3.9.18"), with the
    bubble `specs` active. Options: timeout (seconds per call), home, autostart (default True)."""
    unknown = set(options) - {"timeout", "home", "autostart"}
    if unknown:
        raise TypeError("interpreter() got unexpected options: %s" % ", ".join(sorted(unknown)))
    return Interpreter(version, specs, **options)
