/**
 * What the interpreter probe (src/runtime/probe.py) reports, as a TypeScript shape. This is the
 * contract between discovery (src/python), wheel tags (src/standards/tags) and the installer: every
 * consumer reads these facts, none of them runs Python itself.
 */

/** PEP 508 marker environment, exactly the keys of `packaging.markers.default_environment()`. */
export interface MarkerEnvironment {
  implementation_name: string;
  implementation_version: string;
  os_name: string;
  platform_machine: string;
  platform_release: string;
  platform_system: string;
  platform_version: string;
  python_full_version: string;
  platform_python_implementation: string;
  python_version: string;
  sys_platform: string;
}

export interface InterpreterFacts {
  probe_version: number;
  /** sys.implementation.name, e.g. "cpython". */
  implementation: string;
  /** platform.python_version(), e.g. "3.11.7". */
  version: string;
  version_info: [number, number, number, string, number];
  executable: string;
  real_executable: string;
  prefix: string;
  base_prefix: string;
  exec_prefix: string;
  base_exec_prefix: string;
  is_venv: boolean;
  /** sysconfig.get_paths() of the probed interpreter: purelib, platlib, scripts, include, data, ... */
  paths: Record<string, string>;
  marker_env: MarkerEnvironment;
  pointer_bits: number;
  /** sys.maxsize > 2**32: packaging uses it to spot a 32-bit interpreter on a 64-bit kernel. */
  maxsize_gt_32bit: boolean;
  byteorder: string;
  /** sysconfig.get_platform(), e.g. "linux-x86_64". */
  platform: string;
  libc: { name: "glibc" | "musl"; version: string } | null;
  abiflags: string;
  config_vars: {
    SOABI: string | null;
    EXT_SUFFIX: string | null;
    Py_DEBUG: number | string | null;
    WITH_PYMALLOC: number | string | null;
    Py_GIL_DISABLED: number | string | null;
    MULTIARCH: string | null;
    LDVERSION: string | null;
  };
  free_threaded: boolean;
}
