"""omnipkg warm workers: the process that runs code for another interpreter, and the client for it.

`worker` is started by omnipkg's pool (never imported by user code); `client.interpreter` is the
public entry point, re-exported as `omnipkg.interpreter`. Supports Python 3.8 to 3.13.
"""


def interpreter(version, *specs, **options):
    # Imported lazily: a worker process must not pay for the client's socket machinery.
    from .client import interpreter as _interpreter

    return _interpreter(version, *specs, **options)
