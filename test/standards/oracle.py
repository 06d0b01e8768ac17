# Differential-test oracle: answers one JSON batch of questions with pip's vendored packaging.
# Reads {"ops": [[kind, ...args], ...]} on stdin, writes {"packaging": version, "results": [...]}.
import json
import sys

from pip._vendor import packaging
from pip._vendor.packaging import markers, requirements, specifiers, utils, version


def err(e):
    return {"err": type(e).__name__}


def ver(s):
    v = version.Version(s)
    return {
        "str": str(v), "public": v.public, "base": v.base_version, "epoch": str(v.epoch),
        "release": [str(x) for x in v.release], "pre": None if v.pre is None else [v.pre[0], str(v.pre[1])],
        "post": None if v.post is None else str(v.post), "dev": None if v.dev is None else str(v.dev),
        "local": v.local, "is_pre": v.is_prerelease, "is_post": v.is_postrelease, "is_dev": v.is_devrelease,
    }


def cmp(a, b):
    va, vb = version.Version(a), version.Version(b)
    return -1 if va < vb else (1 if va > vb else 0)


def contains(spec, v, pre):
    return specifiers.SpecifierSet(spec).contains(v, prereleases=pre)


def spec_filter(spec, vs, pre):
    return list(specifiers.SpecifierSet(spec).filter(vs, prereleases=pre))


def spec_str(spec):
    return str(specifiers.SpecifierSet(spec))


def req(s):
    r = requirements.Requirement(s)
    return {
        "name": r.name, "extras": sorted(r.extras), "specifier": str(r.specifier), "url": r.url,
        "marker": None if r.marker is None else str(r.marker), "str": str(r),
    }


def marker(m, env, extra):
    mk = markers.Marker(m)
    e = dict(env)
    if extra is not None:
        e["extra"] = extra
    return {"str": str(mk), "value": mk.evaluate(e)}


def marker_syntax(m):
    try:
        markers.Marker(m)
        return {"ok": True}
    except markers.InvalidMarker as e:
        return {"err": "InvalidMarker", "span": list(e.__cause__.span), "reason": e.__cause__.message}


def req_syntax(s):
    try:
        requirements.Requirement(s)
        return {"ok": True}
    except requirements.InvalidRequirement as e:
        return {"err": "InvalidRequirement", "span": list(e.__cause__.span), "reason": e.__cause__.message}


def wheel(f):
    name, v, build, tags = utils.parse_wheel_filename(f)
    return {"name": name, "version": str(v), "build": list(build), "tags": sorted(str(t) for t in tags)}


def sdist(f):
    name, v = utils.parse_sdist_filename(f)
    return {"name": name, "version": str(v)}


def metadata(text):
    from pip._vendor.packaging import metadata as md
    raw, unparsed = md.parse_email(text)
    return {"raw": raw, "unparsed": unparsed}


def sys_tags():
    from pip._vendor.packaging import tags
    return [str(t) for t in tags.sys_tags()]


def sim_tags(facts):
    # Asks packaging's own tag functions about a described (not the running) interpreter, by
    # replacing the few probes they make: config vars, platform, glibc/musl versions.
    from pip._vendor.packaging import _manylinux, _musllinux, tags

    cv = facts["config_vars"]
    tags._get_config_var = lambda name, warn=False: cv.get(name)
    libc = facts["libc"] or {}
    glibc = tuple(int(x) for x in libc["version"].split(".")[:2]) if libc.get("name") == "glibc" else (-1, -1)
    _manylinux._get_glibc_version = lambda: glibc
    musl = libc["version"].split(".") if libc.get("name") == "musl" else None
    _musllinux._get_musl_version = lambda exe: _musllinux._MuslVersion(int(musl[0]), int(musl[1])) if musl else None
    original_abi = _manylinux._have_compatible_abi

    def have_abi(exe, archs):
        if "armv7l" in archs or "i686" in archs:
            return facts["pointer_bits"] == 32
        return original_abi(exe, archs)

    _manylinux._have_compatible_abi = have_abi
    import sysconfig
    sysconfig.get_platform = lambda: facts["platform"]
    tags.sysconfig.get_platform = sysconfig.get_platform
    is32 = facts["pointer_bits"] == 32
    system = facts["marker_env"]["platform_system"]
    if system == "Linux":
        platforms = list(tags._linux_platforms(is32))
    else:
        platforms = list(tags._generic_platforms())
    major, minor = facts["version_info"][:2]
    name = tags.INTERPRETER_SHORT_NAMES.get(facts["implementation"], facts["implementation"])
    if name == "cp":
        out = list(tags.cpython_tags((major, minor), platforms=platforms))
        interp = "cp%d%d" % (major, minor)
    else:
        out = list(tags.generic_tags("%s%d%d" % (name, major, minor), platforms=platforms))
        interp = "pp3" if name == "pp" else None
    out += list(tags.compatible_tags((major, minor), interp, platforms))
    return [str(t) for t in out]


OPS = {
    "version": ver, "compare": cmp, "contains": contains, "filter": spec_filter, "specstr": spec_str,
    "requirement": req, "marker": marker, "marker_syntax": marker_syntax, "req_syntax": req_syntax,
    "canon": utils.canonicalize_name, "is_normalized": lambda n: utils.is_normalized_name(n),
    "canon_version": utils.canonicalize_version, "wheel": wheel, "sdist": sdist, "sys_tags": sys_tags, "metadata": metadata, "sim_tags": sim_tags,
}


def answer(op):
    try:
        return {"ok": OPS[op[0]](*op[1:])}
    except Exception as e:  # the test compares the exception class with ours
        return err(e)


def main():
    batch = json.load(sys.stdin)
    results = [answer(op) for op in batch["ops"]]
    json.dump({"packaging": packaging.__version__, "results": results}, sys.stdout)


main()
