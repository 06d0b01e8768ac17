"""The runtime's PEP 440 subset against packaging (pip's vendored copy is the reference here).

argv[1]: the folder holding the omnipkg runtime package. Prints "ALL OK <n>" or the mismatches.
"""
import itertools
import sys

sys.path.insert(0, sys.argv[1])
from omnipkg._pep440 import SpecifierSet, parse_requirement, parse_version  # noqa: E402
from omnipkg._errors import InvalidSpec  # noqa: E402
from pip._vendor.packaging.specifiers import SpecifierSet as RefSpecifierSet  # noqa: E402
from pip._vendor.packaging.version import Version as RefVersion  # noqa: E402

VERSIONS = [
    "0.9", "1", "1.0", "1.0.0", "1.0.1", "1.0a1", "1.0a2.dev1", "1.0b1", "1.0rc1", "1.0c2", "1.0.dev1",
    "1.0.post1", "1.0.post1.dev2", "1.0+local", "1.0+abc.5", "1.0+5", "1.0.0+1.a", "1.1", "1.1.dev0",
    "1.1rc1", "2.0", "2.0.0.post3", "1!0.5", "1.7", "1.7.1", "1.7.0.post1", "1.7+loc", "1.7.1+l", "1.6.9",
    "1.8a1", "2", "2.0b3", "3.0.0", "1.0-1", "1.0_Alpha-3", "v1.2.RC4", "1.2.preview5", "1.0rev2",
    "13.4.2", "13.9.4", "2.17.0", "2.16.1", "2.15.1", "0.0.0", "10.0", "1.0.0a0", "1.0.0b0.post1",
]
SPECS = [
    "==1.0", "==1.0.*", "!=1.0.*", "==1.*", ">=1.0", "<=1.0", ">1.0", "<1.1", "<1.0", ">1.7", "<1.7",
    ">=1.0a1", "<2.0b1", "~=1.0", "~=1.0.1", "~=1.7", ">1.7.post0", "==1.0+local", "!=1.0", "==2",
    ">1!0.1", "==1.0a1", ">=1.0,<2.0", "<=1.7,!=1.0.*", ">=0.9,!=1.1.*", "", "<2.17", "==13.4.2",
    ">=2.15,<2.17", "~=2.16.0", "===1.0", "<=2.0b3", ">1.0a1", "!=13.*",
]
INVALID = ["=>1.0", "==1.0.*.1", "~=1", ">=1.0.*", "<1.0+local", "==", "1.0"]

bad = []
checked = 0
parsed = [parse_version(v) for v in VERSIONS]
for (a, va), (b, vb) in itertools.product(zip(VERSIONS, parsed), repeat=2):
    checked += 1
    if (va < vb, va == vb) != (RefVersion(a) < RefVersion(b), RefVersion(a) == RefVersion(b)):
        bad.append("order %s %s" % (a, b))
for v in VERSIONS:
    checked += 1
    if str(parse_version(v)) != str(RefVersion(v)):
        bad.append("normalise %s -> %s, expected %s" % (v, parse_version(v), RefVersion(v)))
for s in SPECS:
    mine, ref = SpecifierSet(s), RefSpecifierSet(s)
    for v, pv in zip(VERSIONS, parsed):
        checked += 1
        if mine.contains(pv, prereleases=True) != ref.contains(v, prereleases=True):
            bad.append("contains %r %s" % (s, v))
    checked += 1
    if [str(x) for x in mine.select(parsed)] != [str(RefVersion(x)) for x in ref.filter(VERSIONS)]:
        bad.append("select %r" % s)
for s in INVALID:
    checked += 1
    try:
        SpecifierSet(s)
    except InvalidSpec:
        continue
    bad.append("accepted invalid %r" % s)
checked += 1
if parse_requirement("Rich_Text >= 1.0, <2")[0] != "rich-text":
    bad.append("requirement name")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ALL OK", checked)
