import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { homeLayout, type HomeLayout } from "../../src/core/home.ts";
import type { InterpreterFacts } from "../../src/python/facts.ts";

/** A temp home for one test, removed by `cleanup`. */
export function tempHome(): { layout: HomeLayout; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "omnipkg-kb-"));
  return { layout: homeLayout(root), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Plausible probe output; only its round trip matters to the KB. */
export function sampleFacts(version = "3.11.7"): InterpreterFacts {
  const [major, minor, micro] = version.split(".").map(Number) as [number, number, number];
  return {
    probe_version: 1,
    implementation: "cpython",
    version,
    version_info: [major, minor, micro, "final", 0],
    executable: `/x/python${major}.${minor}`,
    real_executable: `/x/python${major}.${minor}`,
    prefix: "/x",
    base_prefix: "/x",
    exec_prefix: "/x",
    base_exec_prefix: "/x",
    is_venv: false,
    paths: { purelib: `/x/lib/python${major}.${minor}/site-packages` },
    marker_env: {
      implementation_name: "cpython",
      implementation_version: version,
      os_name: "posix",
      platform_machine: "x86_64",
      platform_release: "6.1",
      platform_system: "Linux",
      platform_version: "#1",
      python_full_version: version,
      platform_python_implementation: "CPython",
      python_version: `${major}.${minor}`,
      sys_platform: "linux",
    },
    pointer_bits: 64,
    maxsize_gt_32bit: true,
    byteorder: "little",
    platform: "linux-x86_64",
    libc: { name: "glibc", version: "2.36" },
    abiflags: "",
    config_vars: {
      SOABI: `cpython-${major}${minor}-x86_64-linux-gnu`,
      EXT_SUFFIX: ".so",
      Py_DEBUG: 0,
      WITH_PYMALLOC: 1,
      Py_GIL_DISABLED: null,
      MULTIARCH: "x86_64-linux-gnu",
      LDVERSION: `${major}.${minor}`,
    },
    free_threaded: false,
  };
}
