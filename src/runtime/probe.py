# omnipkg interpreter probe. Run as `python -I -S probe.py`; prints one JSON object on stdout.
# It must parse on Python 2 so that it can refuse 2.x clearly, hence no f-strings or annotations.
import sys

if sys.version_info < (3, 6):
    sys.stdout.write('{"error": "unsupported", "version": "%d.%d.%d"}\n' % tuple(sys.version_info[:3]))
    sys.exit(0)

import json
import os
import platform
import struct
import sysconfig


def glibc_version():
    # Same source as packaging.tags: confstr is what the dynamic loader reports.
    try:
        value = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, OSError, ValueError):
        return None
    if not value:
        return None
    parts = value.split()
    if len(parts) == 2 and parts[0] == "glibc":
        return parts[1]
    return None


def elf_interpreter(path):
    # PT_INTERP of the executable names the dynamic loader; musl's is ld-musl-<arch>.so.1.
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if ident[:4] != b"\x7fELF":
                return None
            is64 = ident[4] == 2
            little = ident[5] == 1
            e = "<" if little else ">"
            if is64:
                f.seek(32)
                phoff = struct.unpack(e + "Q", f.read(8))[0]
                f.seek(54)
                phentsize, phnum = struct.unpack(e + "HH", f.read(4))
            else:
                f.seek(28)
                phoff = struct.unpack(e + "I", f.read(4))[0]
                f.seek(42)
                phentsize, phnum = struct.unpack(e + "HH", f.read(4))
            for i in range(phnum):
                f.seek(phoff + i * phentsize)
                ptype = struct.unpack(e + "I", f.read(4))[0]
                if ptype == 3:
                    if is64:
                        f.seek(phoff + i * phentsize + 8)
                        offset = struct.unpack(e + "Q", f.read(8))[0]
                        f.seek(phoff + i * phentsize + 32)
                        size = struct.unpack(e + "Q", f.read(8))[0]
                    else:
                        f.seek(phoff + i * phentsize + 4)
                        offset = struct.unpack(e + "I", f.read(4))[0]
                        f.seek(phoff + i * phentsize + 16)
                        size = struct.unpack(e + "I", f.read(4))[0]
                    f.seek(offset)
                    return f.read(size).rstrip(b"\x00").decode("ascii", "replace")
    except (OSError, struct.error):
        return None
    return None


def musl_version(executable):
    import re
    import subprocess

    ld = elf_interpreter(executable)
    if not ld or "musl" not in ld:
        return None
    try:
        proc = subprocess.run([ld], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    except OSError:
        return None
    m = re.search(r"Version (\d+)\.(\d+)", proc.stderr.decode("utf-8", "replace"))
    return "%s.%s" % (m.group(1), m.group(2)) if m else None


def libc():
    g = glibc_version()
    if g:
        return {"name": "glibc", "version": g}
    if sys.platform.startswith("linux"):
        m = musl_version(sys.executable)
        if m:
            return {"name": "musl", "version": m}
    return None


def marker_env():
    impl = sys.implementation
    iv = impl.version
    version = "%d.%d.%d" % (iv.major, iv.minor, iv.micro)
    if iv.releaselevel != "final":
        version += iv.releaselevel[0] + str(iv.serial)
    return {
        "implementation_name": impl.name,
        "implementation_version": version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def config_var(name):
    value = sysconfig.get_config_var(name)
    return value if isinstance(value, (str, int, float)) or value is None else str(value)


def main():
    vi = sys.version_info
    out = {
        "probe_version": 1,
        "implementation": sys.implementation.name,
        "version": platform.python_version(),
        "version_info": [vi.major, vi.minor, vi.micro, vi.releaselevel, vi.serial],
        "executable": sys.executable,
        "real_executable": os.path.realpath(sys.executable),
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "exec_prefix": sys.exec_prefix,
        "base_exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
        "is_venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix),
        "paths": sysconfig.get_paths(),
        "marker_env": marker_env(),
        "pointer_bits": struct.calcsize("P") * 8,
        "maxsize_gt_32bit": sys.maxsize > 2 ** 32,
        "byteorder": sys.byteorder,
        "platform": sysconfig.get_platform(),
        "libc": libc(),
        "abiflags": getattr(sys, "abiflags", ""),
        "config_vars": {
            "SOABI": config_var("SOABI"),
            "EXT_SUFFIX": config_var("EXT_SUFFIX"),
            "Py_DEBUG": config_var("Py_DEBUG"),
            "WITH_PYMALLOC": config_var("WITH_PYMALLOC"),
            "Py_GIL_DISABLED": config_var("Py_GIL_DISABLED"),
            "MULTIARCH": config_var("MULTIARCH"),
            "LDVERSION": config_var("LDVERSION"),
        },
        "free_threaded": bool(config_var("Py_GIL_DISABLED")),
    }
    sys.stdout.write(json.dumps(out) + "\n")


main()
