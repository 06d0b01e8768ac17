"""The loader's exceptions. Every message is one sentence naming the distribution, version or path."""


class OmnipkgError(Exception):
    """Base class of every error the omnipkg runtime raises."""


class InvalidSpec(OmnipkgError, ValueError):
    """A requirement or version that is not valid PEP 440 text."""


class NotInstalled(OmnipkgError, LookupError):
    """No installed version (main or bubble) satisfies a spec. `command` is the install command."""

    def __init__(self, message, specs, command):
        OmnipkgError.__init__(self, message)
        self.specs = list(specs)
        self.command = command


class ExtensionConflict(OmnipkgError, ImportError):
    """A block needs another version of a distribution whose compiled extensions are loaded."""

    def __init__(self, message, name, loaded_version, requested_version, modules):
        OmnipkgError.__init__(self, message)
        self.name = name
        self.loaded_version = loaded_version
        self.requested_version = requested_version
        self.modules = list(modules)


class VersionConflict(OmnipkgError):
    """Two specs of one loader() need different versions of the same distribution."""


class StaleBubble(OmnipkgError):
    """A bubble's manifest expects a version from main that main no longer has."""


class InstallFailed(OmnipkgError):
    """loader(..., install=True) ran the install command and it failed."""


class LoaderStateError(OmnipkgError):
    """Blocks left out of order, so the snapshot to restore is not the current one."""
