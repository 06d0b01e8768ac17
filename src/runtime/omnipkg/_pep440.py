"""The PEP 440 subset the loader needs to pick an installed version: parsing, ordering, specifiers.

Traps (https://peps.python.org/pep-0440/):
- Release segments compare with zero padding: 1.0 == 1.0.0, and ==1.0.* matches 1 and 1.0.5.
- Within one release: dev < a < b < rc < final < post; a dev release of a pre or post release sorts
  just before it (1.0a1.dev1 < 1.0a1, 1.0.post1.dev1 < 1.0.post1); 1.0.dev1 is below every 1.0 pre.
- A local label (+abc) is ignored by ==V unless V has one, and by <=, >=, <, >; it sorts above the
  same public version. Local parts: numbers sort above strings, numbers compare numerically.
- <V never matches a pre-release of V unless V is one; >V never matches a post-release of V
  (unless V is one) nor a local version of V's release (1.0+x is not >1.0a1).
- ~=X.Y.Z means >=X.Y.Z, ==X.Y.*; it needs two release parts and drops pre/post/dev for the prefix.
- Pre-releases are excluded unless an inclusive specifier (==, >=, <=, ~=) names one, or unless
  nothing else matches (as packaging does; "<2.0b1" does not opt in).
- Spellings normalise: alpha/beta/c/pre/preview/rev/r, optional separators, a leading "v",
  implicit post releases ("1.0-1"), upper case.
"""
from ._errors import InvalidSpec

__all__ = ["InvalidSpec", "parse_version", "parse_requirement", "canonicalize", "Version", "SpecifierSet"]


_VERSION_PATTERN = (
    r"""^\s*v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?:(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$"""
)
_PRE_LABELS = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "c": "rc", "rc": "rc", "pre": "rc", "preview": "rc"}
_PRE_ORDER = {"a": 0, "b": 1, "rc": 2}
_CACHE = {}


class Version:
    __slots__ = ("epoch", "release", "pre", "post", "dev", "local", "key", "text")

    def __init__(self, epoch, release, pre, post, dev, local):
        self.epoch = epoch
        self.release = release
        self.pre = pre
        self.post = post
        self.dev = dev
        self.local = local
        self.key = _sort_key(epoch, release, pre, post, dev, local)
        self.text = _render(epoch, release, pre, post, dev, local)

    @property
    def is_prerelease(self):
        return self.pre is not None or self.dev is not None

    @property
    def public(self):
        if self.local is None:
            return self
        return Version(self.epoch, self.release, self.pre, self.post, self.dev, None)

    def __str__(self):
        return self.text

    def __repr__(self):
        return "<Version %s>" % self.text

    def __eq__(self, other):
        return isinstance(other, Version) and self.key == other.key

    def __ne__(self, other):
        return not self == other

    def __lt__(self, other):
        return self.key < other.key

    def __le__(self, other):
        return self.key <= other.key

    def __gt__(self, other):
        return self.key > other.key

    def __ge__(self, other):
        return self.key >= other.key

    def __hash__(self):
        return hash(self.key)


_INF = float("inf")


def _sort_key(epoch, release, pre, post, dev, local):
    trimmed = list(release)
    while len(trimmed) > 1 and trimmed[-1] == 0:
        trimmed.pop()
    if pre is None and post is None and dev is not None:
        pre_key = (-_INF, 0)  # 1.0.dev1 sorts before 1.0a1
    elif pre is None:
        pre_key = (_INF, 0)
    else:
        pre_key = (_PRE_ORDER[pre[0]], pre[1])
    post_key = -_INF if post is None else post
    dev_key = _INF if dev is None else dev
    if local is None:
        local_key = ()
    else:
        local_key = tuple((int(p), "") if p.isdigit() else (-1, p) for p in local)
    return (epoch, tuple(trimmed), pre_key, post_key, dev_key, (local is not None, local_key))


def _render(epoch, release, pre, post, dev, local):
    text = "%d!" % epoch if epoch else ""
    text += ".".join(str(p) for p in release)
    if pre is not None:
        text += "%s%d" % pre
    if post is not None:
        text += ".post%d" % post
    if dev is not None:
        text += ".dev%d" % dev
    if local is not None:
        text += "+" + ".".join(local)
    return text


def parse_version(text):
    """Parse a PEP 440 version; raises InvalidSpec naming the text."""
    cached = _CACHE.get(text)
    if cached is not None:
        return cached
    m = _regex(_VERSION_PATTERN, verbose=True).match(text)
    if m is None:
        raise InvalidSpec("%r is not a valid PEP 440 version" % (text,))
    pre = None
    if m.group("pre_l"):
        pre = (_PRE_LABELS[m.group("pre_l").lower()], int(m.group("pre_n") or 0))
    post = None
    if m.group("post_n1") is not None:
        post = int(m.group("post_n1"))
    elif m.group("post_l"):
        post = int(m.group("post_n2") or 0)
    dev = int(m.group("dev_n") or 0) if m.group("dev_l") else None
    local = None
    if m.group("local"):
        local = tuple(p.lower() for p in m.group("local").replace("-", ".").replace("_", ".").split("."))
    version = Version(
        int(m.group("epoch") or 0),
        tuple(int(p) for p in m.group("release").split(".")),
        pre,
        post,
        dev,
        local,
    )
    if len(_CACHE) < 4096:
        _CACHE[text] = version
    return version


def _padded(release, length):
    return tuple(release[:length]) + (0,) * (length - len(release))


class _Specifier:
    __slots__ = ("op", "text", "version", "prefix", "raw")

    def __init__(self, op, raw):
        self.op = op
        self.raw = raw
        self.text = op + raw
        self.prefix = False
        if op == "===":
            self.version = None
            return
        if raw.endswith(".*"):
            if op not in ("==", "!="):
                raise InvalidSpec("%r: a .* suffix is only allowed with == and !=" % self.text)
            self.prefix = True
            raw = raw[:-2]
        self.version = parse_version(raw)
        v = self.version
        if self.prefix and (v.pre is not None or v.post is not None or v.dev is not None or v.local):
            raise InvalidSpec("%r: a prefix match takes only release numbers" % self.text)
        if v.local is not None and op not in ("==", "!="):
            raise InvalidSpec("%r: a local version label is only allowed with == and !=" % self.text)
        if op == "~=" and len(v.release) < 2:
            raise InvalidSpec("%r: ~= needs at least two release numbers" % self.text)

    def mentions_prerelease(self):
        # As packaging does: only inclusive operators opt in ("<2.0b1" does not).
        return self.version is not None and self.version.is_prerelease and self.op in ("==", ">=", "<=", "~=")

    def contains(self, candidate):
        op, spec = self.op, self.version
        if op == "===":
            return str(candidate).lower() == self.raw.strip().lower()
        if op in ("==", "!="):
            if self.prefix:
                length = len(spec.release)
                hit = candidate.epoch == spec.epoch and _padded(candidate.release, length) == spec.release
            elif spec.local is None:
                hit = candidate.public == spec
            else:
                hit = candidate == spec
            return hit if op == "==" else not hit
        public = candidate.public
        if op == "<=":
            return public <= spec
        if op == ">=":
            return public >= spec
        if op == "<":
            if not public < spec:
                return False
            if not spec.is_prerelease and candidate.is_prerelease:
                return _base(candidate) != _base(spec)
            return True
        if op == ">":
            if not public > spec:
                return False
            if spec.post is None and candidate.post is not None and _base(candidate) == _base(spec):
                return False
            # A local version of V's release is never "greater" (1.0+local is not > 1.0a1).
            return candidate.local is None or _base(candidate) != _base(spec)
        # ~=
        prefix = spec.release[:-1]
        return (
            public >= spec
            and candidate.epoch == spec.epoch
            and _padded(candidate.release, len(prefix)) == prefix
        )


def _base(v):
    """The release a pre/post/dev version belongs to, with zeros trimmed (for < and > rules)."""
    release = list(v.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    return (v.epoch, tuple(release))


_SPEC_PATTERN = r"^\s*(===|==|!=|<=|>=|~=|<|>)\s*([^\s,;]+)\s*$"


class SpecifierSet:
    """Comma-separated specifiers, all of which must hold."""

    __slots__ = ("specs", "text")

    def __init__(self, text):
        self.text = text.strip()
        self.specs = []
        if not self.text:
            return
        for part in self.text.split(","):
            m = _regex(_SPEC_PATTERN).match(part)
            if m is None:
                raise InvalidSpec("%r is not a valid version specifier" % part.strip())
            self.specs.append(_Specifier(m.group(1), m.group(2)))

    def contains(self, version, prereleases=False):
        if version.is_prerelease and not prereleases:
            return False
        return all(s.contains(version) for s in self.specs)

    def select(self, versions):
        """The versions that match, with PEP 440's pre-release rule: pre-releases only when a
        specifier names one, or when no final release matches."""
        allow_pre = any(s.mentions_prerelease() for s in self.specs)
        matched = [v for v in versions if self.contains(v, prereleases=True)]
        if allow_pre:
            return matched
        finals = [v for v in matched if not v.is_prerelease]
        return finals if finals else matched


_NAME_PATTERN = r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(.*?)\s*$"
_compiled = {}


def _regex(pattern, verbose=False):
    # `re` is imported on first use, not by `import omnipkg`: a plain import stays cheap.
    hit = _compiled.get(pattern)
    if hit is None:
        import re

        flags = re.VERBOSE | re.IGNORECASE if verbose else 0
        hit = _compiled[pattern] = re.compile(pattern, flags)
    return hit


def canonicalize(name):
    return _regex(r"[-_.]+").sub("-", name).lower()


def parse_requirement(text):
    """'name[extras]<op><version>,...' -> (canonical name, SpecifierSet). Extras are accepted and
    ignored (a bubble's manifest already fixes what was installed); URLs and markers are refused."""
    m = _regex(_NAME_PATTERN).match(text) if isinstance(text, str) else None
    if m is None:
        raise InvalidSpec("%r is not a requirement like 'rich==13.4.2' or 'pygments<2.17'" % (text,))
    rest = m.group(2)
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise InvalidSpec("%r: the extras list is not closed with ']'" % (text,))
        rest = rest[end + 1 :].strip()
    if rest[:1] in ("@", ";", "["):
        raise InvalidSpec("%r: the loader takes a name and version specifiers only (no URL or marker)" % (text,))
    return canonicalize(m.group(1)), SpecifierSet(rest)
