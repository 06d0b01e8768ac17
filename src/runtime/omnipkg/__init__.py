"""omnipkg's runtime, shipped into every environment omnipkg manages.

    import omnipkg
    with omnipkg.loader("rich==13.4.2"):
        import rich          # 13.4.2, from its bubble, in this process only
    omnipkg.loader.active()  # what is active now (nothing, here)
    omnipkg.installed("rich")  # every version loader() can activate

    @omnipkg.loader("numpy==1.26.4", isolate=True)  # another numpy is already imported here:
    def mean(values):                                 # calls run in a warm worker of this
        import numpy                                  # interpreter with 1.26.4 active
        return float(numpy.mean(values))

See README.md next to this package's source (src/runtime/README.md) for the bubble format.
This file must stay parseable by Python 3.6 so that old interpreters get a clear ImportError.
"""
import sys

if sys.version_info < (3, 8):
    raise ImportError(
        "omnipkg's runtime supports Python 3.8 to 3.13; this interpreter is Python %d.%d.%d (%s)."
        % (sys.version_info[0], sys.version_info[1], sys.version_info[2], sys.executable)
    )

from ._errors import (  # noqa: E402
    ExtensionConflict,
    InstallFailed,
    InvalidSpec,
    LoaderStateError,
    NotInstalled,
    OmnipkgError,
    StaleBubble,
    VersionConflict,
)
from ._installed import InstalledVersion, installed  # noqa: E402
from ._loader import Activation, loader  # noqa: E402


def interpreter(version, *specs, **options):
    """A warm worker of another interpreter (the multiverse package `omnipkg_worker`, shipped
    beside this one). Imported lazily so that `import omnipkg` stays cheap."""
    try:
        from omnipkg_worker import interpreter as _interpreter
    except ImportError as error:
        raise ImportError(
            "omnipkg.interpreter needs the omnipkg_worker package next to omnipkg in %s (%s)."
            % (sys.prefix, error)
        )
    return _interpreter(version, *specs, **options)


def __getattr__(name):
    # RemoteError lives with the worker client, which only isolate/interpreter users need to load.
    if name == "RemoteError":
        from omnipkg_worker.client import RemoteError

        return RemoteError
    raise AttributeError("module 'omnipkg' has no attribute %r" % (name,))


__all__ = [
    "Activation",
    "ExtensionConflict",
    "InstallFailed",
    "InstalledVersion",
    "InvalidSpec",
    "LoaderStateError",
    "NotInstalled",
    "OmnipkgError",
    "StaleBubble",
    "VersionConflict",
    "installed",
    "interpreter",
    "loader",
]
