// supportedTags(facts) against packaging.tags.sys_tags() on every interpreter found on this
// machine (facts from the real probe), and against packaging's own tag functions for described
// interpreters this machine does not have (musl, 32-bit, aarch64, debug, free-threaded, PyPy).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { InterpreterFacts } from "../../src/python/facts.ts";
import { createTagRanker, parseTag, supportedTags } from "../../src/standards/index.ts";
import { findTestPythons } from "../helpers/pythons.ts";
import { askOracle, vendoredPackagingVersion } from "./oracle.ts";

const PROBE = join(dirname(fileURLToPath(import.meta.url)), "../../src/runtime/probe.py");

function probe(python: string): InterpreterFacts {
  return JSON.parse(
    execFileSync(python, ["-I", "-S", PROBE], { encoding: "utf8", timeout: 30_000 }),
  ) as InterpreterFacts;
}

function hasPackagingTags(python: string): boolean {
  try {
    execFileSync(python, ["-c", "from pip._vendor.packaging import tags"], {
      stdio: "ignore",
      timeout: 20_000,
    });
    return true;
  } catch {
    return false;
  }
}

test("supportedTags equals sys_tags() on every interpreter found that vendors packaging.tags", () => {
  const pythons = findTestPythons().filter((p) => hasPackagingTags(p.path));
  assert.ok(
    pythons.length >= 2,
    `need interpreters with pip._vendor.packaging.tags, found ${pythons.length}`,
  );
  for (const py of pythons) {
    const facts = probe(py.path);
    const [expected] = askOracle([["sys_tags"]], py.path);
    assert.ok(expected && "ok" in expected, `${py.path}: ${JSON.stringify(expected)}`);
    const want = expected.ok as string[];
    let got = supportedTags(facts).map(String);
    // Documented difference (docs/api.md): packaging < 22 did not list cpXY-none-any.
    const vendored = vendoredPackagingVersion(py.path) ?? "0";
    if (Number(vendored.split(".")[0]) < 22) got = got.filter((t) => !/^cp\d+-none-any$/.test(t));
    assert.ok(want.length > 30, `${py.path} gave only ${want.length} tags`);
    assert.deepEqual(got, want, `tags of ${py.path} (${py.version})`);
  }
});

const BASE: InterpreterFacts = {
  probe_version: 1,
  implementation: "cpython",
  version: "3.12.1",
  version_info: [3, 12, 1, "final", 0],
  executable: "/x/bin/python3",
  real_executable: "/x/bin/python3.12",
  prefix: "/x",
  base_prefix: "/x",
  exec_prefix: "/x",
  base_exec_prefix: "/x",
  is_venv: false,
  paths: {},
  marker_env: {
    implementation_name: "cpython",
    implementation_version: "3.12.1",
    os_name: "posix",
    platform_machine: "x86_64",
    platform_release: "6.1",
    platform_system: "Linux",
    platform_version: "#1",
    python_full_version: "3.12.1",
    platform_python_implementation: "CPython",
    python_version: "3.12",
    sys_platform: "linux",
  },
  pointer_bits: 64,
  maxsize_gt_32bit: true,
  byteorder: "little",
  platform: "linux-x86_64",
  libc: { name: "glibc", version: "2.36" },
  abiflags: "",
  config_vars: {
    SOABI: "cpython-312-x86_64-linux-gnu",
    EXT_SUFFIX: ".cpython-312-x86_64-linux-gnu.so",
    Py_DEBUG: 0,
    WITH_PYMALLOC: 1,
    Py_GIL_DISABLED: 0,
    MULTIARCH: "x86_64-linux-gnu",
    LDVERSION: "3.12",
  },
  free_threaded: false,
};

function variant(
  patch: Partial<InterpreterFacts> & { cv?: Partial<InterpreterFacts["config_vars"]> },
): InterpreterFacts {
  const { cv, ...rest } = patch;
  return { ...BASE, ...rest, config_vars: { ...BASE.config_vars, ...cv } };
}

const VARIANTS: Record<string, InterpreterFacts> = {
  "glibc x86_64 3.12": BASE,
  "old glibc 2.17": variant({ libc: { name: "glibc", version: "2.17" } }),
  "aarch64 (manylinux from 2_17 down)": variant({ platform: "linux-aarch64" }),
  "32-bit on x86_64 kernel": variant({ pointer_bits: 32, maxsize_gt_32bit: false }),
  "32-bit on aarch64 kernel (armv8l + armv7l)": variant({ pointer_bits: 32, platform: "linux-aarch64" }),
  "musl 1.2": variant({ libc: { name: "musl", version: "1.2" } }),
  "no libc known": variant({ libc: null }),
  "riscv64 glibc 2.39": variant({ platform: "linux-riscv64", libc: { name: "glibc", version: "2.39" } }),
  "debug 3.12": variant({ abiflags: "d", cv: { Py_DEBUG: 1 } }),
  "3.7 pymalloc": variant({ version_info: [3, 7, 16, "final", 0], cv: { WITH_PYMALLOC: 1 } }),
  "3.7 debug without pymalloc": variant({
    version_info: [3, 7, 16, "final", 0],
    cv: { WITH_PYMALLOC: 0, Py_DEBUG: 1 },
  }),
  "free-threaded 3.13": variant({ version_info: [3, 13, 0, "final", 0], cv: { Py_GIL_DISABLED: 1 } }),
  "free-threaded debug 3.13": variant({
    version_info: [3, 13, 0, "final", 0],
    cv: { Py_GIL_DISABLED: 1, Py_DEBUG: 1 },
  }),
  "PyPy 3.10": variant({
    implementation: "pypy",
    cv: { EXT_SUFFIX: ".pypy310-pp73-x86_64-linux-gnu.so", SOABI: "pypy310-pp73-x86_64-linux-gnu" },
  }),
  GraalPy: variant({
    implementation: "graalpy",
    cv: { EXT_SUFFIX: ".graalpy231-310-native-x86_64-linux.so" },
  }),
  Windows: variant({
    platform: "win-amd64",
    libc: null,
    marker_env: { ...BASE.marker_env, platform_system: "Windows" },
    cv: { EXT_SUFFIX: ".cp312-win_amd64.pyd" },
  }),
};

test("supportedTags agrees with packaging's tag functions for interpreters this machine lacks", () => {
  const names = Object.keys(VARIANTS);
  const expected = askOracle(names.map((n) => ["sim_tags", VARIANTS[n]]));
  names.forEach((n, i) => {
    assert.deepEqual({ ok: supportedTags(VARIANTS[n]!).map(String) }, expected[i], n);
  });
  const musl = supportedTags(VARIANTS["musl 1.2"]!).map(String);
  assert.ok(musl.includes("cp312-cp312-musllinux_1_2_x86_64") && !musl.some((t) => t.includes("manylinux")));
  const ft = supportedTags(VARIANTS["free-threaded 3.13"]!).map(String);
  assert.equal(ft[0], "cp313-cp313t-manylinux_2_36_x86_64");
  assert.ok(!ft.some((t) => t.includes("abi3")));
});

test("the tag ranker prefers the most specific compatible wheel", () => {
  const rank = createTagRanker(BASE);
  const native = rank(parseTag("cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"));
  const abi3 = rank(parseTag("cp38-abi3-manylinux2014_x86_64"));
  const pure = rank(parseTag("py3-none-any"));
  assert.ok(native >= 0 && native < abi3 && abi3 < pure, `${native} ${abi3} ${pure}`);
  assert.equal(rank(parseTag("cp312-cp312-win_amd64")), -1);
  assert.equal(rank(parseTag("cp313-cp313-manylinux_2_17_x86_64")), -1);
});
