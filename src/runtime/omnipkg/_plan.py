"""The plan of one loader() activation: which installed copy each spec gets, which distributions
change relative to what is active, and how the import shim must route their names.

A plan depends only on the installed state and on the enclosing block's plan, so a loader keeps
its last plan and reuses it while neither changed: a repeated `with loader(...)` skips this work.
"""
from ._errors import NotInstalled, StaleBubble, VersionConflict
from ._install import display_command


class Activation(tuple):
    """(spec, name, version, location, path) of one active spec; location is "main" or "bubble".
    A tuple subclass rather than a namedtuple so that `import omnipkg` does not import collections."""

    __slots__ = ()
    _fields = ("spec", "name", "version", "location", "path")

    def __new__(cls, spec, name, version, location, path):
        return tuple.__new__(cls, (spec, name, version, location, path))

    spec = property(lambda self: self[0])
    name = property(lambda self: self[1])
    version = property(lambda self: self[2])
    location = property(lambda self: self[3])
    path = property(lambda self: self[4])

    def __repr__(self):
        return "Activation(%s)" % ", ".join("%s=%r" % pair for pair in zip(self._fields, self))


class Plan:
    """activations: what each spec chose; effective: dist name -> active Dist (only those not
    main's version); bubbles: every bubble active with this plan, outermost first; dirs: the
    bubble folders this block adds to sys.path; changed: name -> (current Dist or None, new Dist);
    name_owner: top-level module name -> changed dist; routes/owners: for _shim."""

    __slots__ = ("activations", "effective", "bubbles", "dirs", "changed", "name_owner", "routes", "owners")

    def __init__(self, activations, effective, bubbles):
        self.activations = activations
        self.effective = effective
        self.bubbles = bubbles
        self.dirs = []
        self.changed = {}
        self.name_owner = {}
        self.routes = {}
        self.owners = {}

    @property
    def noop(self):
        return not self.changed


_NOTHING_ACTIVE = Plan([], {}, [])


def make_plan(state, reqs, parent):
    """The plan for `reqs` inside the block whose plan is `parent` (None at top level)."""
    parent = parent or _NOTHING_ACTIVE
    activations, desired, bubbles = _pick(state, reqs)
    base = parent.effective
    plan = Plan(activations, base, parent.bubbles)
    for name, new in desired.items():
        current = base.get(name) or state.main.get(name)
        if current is None or current.dir != new.dir or current.version != new.version:
            plan.changed[name] = (current, new)
    if not plan.changed:
        # The requested versions are the ones already importable: nothing to do.
        plan.routes, plan.owners = parent.routes, parent.owners
        return plan
    for name, (current, new) in plan.changed.items():
        for top in new.top_level:
            plan.name_owner.setdefault(top, name)
        if current is not None:
            for top in current.top_level:
                plan.name_owner.setdefault(top, name)
    plan.effective = dict(base)
    for name, (_, new) in plan.changed.items():
        plan.effective[name] = new
    plan.bubbles = list(parent.bubbles) + [b for b in bubbles if b not in parent.bubbles]
    plan.dirs = [b.path for b in bubbles]
    plan.routes, plan.owners = _routing(state, plan.effective, plan.bubbles)
    return plan


def _describe(dist):
    return "%s %s" % (dist.display, dist.version)


def _pick(state, reqs):
    """For each spec, the newest matching installed copy (main wins a tie), plus everything its
    bubble's manifest resolved with it. Raises NotInstalled listing every unmatched spec."""
    desired, needed_by, bubbles, activations, missing = {}, {}, [], [], []

    def need(dist, spec):
        have = desired.get(dist.name)
        if have is not None and have.version != dist.version:
            raise VersionConflict(
                "%s needs %s but %s needs %s; they cannot be active in one loader()."
                % (needed_by[dist.name], _describe(have), spec, _describe(dist))
            )
        desired.setdefault(dist.name, dist)
        needed_by.setdefault(dist.name, spec)

    for text, name, specifiers in reqs:
        pinned = desired.get(name)
        if pinned is not None:
            if not specifiers.contains(pinned.version, prereleases=True):
                raise VersionConflict(
                    "%s needs %s, which does not satisfy %s." % (needed_by[name], _describe(pinned), text)
                )
            activations.append(Activation(text, pinned.display, str(pinned.version), pinned.location, pinned.dir))
            continue
        candidates = state.candidates(name)
        matching = specifiers.select([dist.version for dist, _ in candidates])
        if not matching:
            missing.append((text, candidates))
            continue
        best = max(matching)
        dist, bubble = next((d, b) for d, b in candidates if d.version == best)
        if bubble is None:
            need(dist, text)
        else:
            for member in bubble.dists.values():
                if member.location == "main":
                    in_main = state.main.get(member.name)
                    if in_main is None or in_main.version != member.version:
                        raise StaleBubble(
                            "Bubble %s expects %s from main, but main has %s; remove the bubble "
                            "(omnipkg uninstall %s==%s) and install it again (%s)."
                            % (
                                bubble.path,
                                _describe(member),
                                _describe(in_main) if in_main else "no %s" % member.display,
                                bubble.display,
                                bubble.version,
                                display_command([text]),
                            )
                        )
                    member = in_main
                need(member, text)
            if bubble not in bubbles:
                bubbles.append(bubble)
        activations.append(Activation(text, dist.display, str(dist.version), dist.location, dist.dir or bubble.path))
    if missing:
        raise _not_installed(state, missing)
    return activations, desired, bubbles


def _not_installed(state, missing):
    parts = []
    for text, candidates in missing:
        if candidates:
            ordered = sorted(candidates, key=lambda pair: pair[0].version, reverse=True)
            have = ", ".join("%s (%s)" % (d.version, "main" if b is None else "bubble") for d, b in ordered)
            parts.append("%s is not installed (installed: %s)" % (text, have))
        else:
            parts.append("%s is not installed" % text)
    specs = [text for text, _ in missing]
    command = display_command(specs)
    message = "%s in %s" % ("; ".join(parts), state.prefix)
    if state.ignored:
        message += " (ignored bubbles: %s)" % "; ".join("%s: %s" % item for item in state.ignored)
    message += ". Install it with: %s" % command
    return NotInstalled(message, specs, command)


def _routing(state, effective, bubbles):
    """routes (top-level name -> folders to skip) and owners (dist -> folder) for the shim."""
    routes, owners = {}, {}
    for name, dist in effective.items():
        owners[name] = dist.dir
        others = []
        in_main = state.main.get(name)
        if in_main is not None and in_main.dir != dist.dir:
            others.append(in_main)
        for bubble in bubbles:
            member = bubble.dists.get(name)
            if member is not None and member.location == "bubble" and member.dir != dist.dir:
                others.append(member)
        if not others:
            continue
        tops = set(dist.top_level)
        for other in others:
            tops.update(other.top_level)
        for top in tops:
            skip = {o.dir for o in others if not state.is_namespace_portion(o.dir, top)}
            skip.discard(dist.dir)
            if skip:
                routes[top] = routes.get(top, frozenset()) | skip
    return routes, owners
