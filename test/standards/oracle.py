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


OPS = {
    "version": ver, "compare": cmp, "contains": contains, "filter": spec_filter, "specstr": spec_str,
    "requirement": req, "marker": marker, "marker_syntax": marker_syntax, "req_syntax": req_syntax,
    "canon": utils.canonicalize_name, "is_normalized": utils.is_normalized_name,
    "canon_version": utils.canonicalize_version, "wheel": wheel, "sdist": sdist, "sys_tags": sys_tags, "metadata": metadata,
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
