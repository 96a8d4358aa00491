"""Which distribution provides an import, for a scaffolded service's ``pyproject.toml``.

In order, for a third-party import:

1. decompose's built-in table (:func:`decompose.footprint.distribution_of`: ``sklearn`` ->
   ``scikit-learn``);
2. the project's own declared dependencies (:func:`decompose.requirements.declared_requirements`:
   ``pyproject.toml``, ``setup.cfg``, ``requirements*.txt``, ``*.dist-info/METADATA``, in the
   project folder or its parent, required and optional alike). A
   declared requirement is kept as the project wrote it, with its extras and version
   (``sqlalchemy[asyncio]>=2``). An import the table does not know is matched to a declared
   name when exactly one declared name contains every word of the import (``social_core`` ->
   ``social-auth-core``);
3. the distributions installed where decompose runs (``importlib.metadata``'s
   ``packages_distributions()``): this one depends on the machine;
4. else the import name itself, marked **guessed** in the file and in the report.

An import of ``sqlalchemy.ext.asyncio`` adds SQLAlchemy's ``asyncio`` extra (greenlet), which a
plain ``SQLAlchemy`` lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from decompose.requirements import (
    Requirement,
    declared_requirements,
    normalize,
    parse_requirement,
)

__all__ = [
    "IMPORT_EXTRAS",
    "Requirement",
    "Resolver",
    "declared_requirements",
    "merge",
    "normalize",
    "parse_requirement",
]

#: imports that need an extra of their distribution: import prefix -> (distribution, extra)
IMPORT_EXTRAS = {"sqlalchemy.ext.asyncio": ("SQLAlchemy", "asyncio")}


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[-_.]+", name.lower()) if w}


@dataclass(slots=True)
class Resolver:
    """Maps imports to requirements (see the module docstring for the order).

    Attributes:
        declared: the project's declared requirements (:func:`declared_requirements`).
        use_installed: consult the distributions installed here for names nothing else knows.
    """

    declared: dict[str, Requirement]
    use_installed: bool = True
    _installed: dict[str, list[str]] | None = None

    def installed(self) -> dict[str, list[str]]:
        if self._installed is None:
            from importlib.metadata import packages_distributions

            try:
                self._installed = {k: sorted(v) for k, v in packages_distributions().items()}
            except Exception:  # noqa: BLE001 - a broken environment only loses this source
                self._installed = {}
        return self._installed

    def resolve(self, import_name: str) -> tuple[Requirement, str]:
        """``(requirement, source)`` for a third-party ``import_name``; ``source`` is
        ``declared``, ``table``, ``installed`` or ``guessed``."""
        from decompose.footprint import distribution_of

        dist, how = distribution_of(import_name)
        top = import_name.split(".")[0]
        req, source = self._lookup(dist, how, top)
        for prefix, (xdist, extra) in IMPORT_EXTRAS.items():
            if (import_name + ".").startswith(prefix + ".") and normalize(xdist) == normalize(
                req.name
            ):
                req = Requirement(req.name, req.extras | {extra}, req.rest)
        return req, source

    def _lookup(self, dist: str, how: str, top: str) -> tuple[Requirement, str]:
        hit = self.declared.get(normalize(dist))
        if hit is not None:
            return _copy(hit), "declared"
        if how == "table":
            return Requirement(dist), "table"
        words = _words(top)
        matches = [k for k in self.declared if words <= _words(k)]
        if len(matches) == 1:
            return _copy(self.declared[matches[0]]), "matched"
        if self.use_installed:
            found = self.installed().get(top, [])
            for d in found:
                if normalize(d) in self.declared:
                    return _copy(self.declared[normalize(d)]), "declared"
            if found:
                return Requirement(found[0]), "installed"
        return Requirement(dist), "guessed"


def _copy(req: Requirement) -> Requirement:
    return Requirement(req.name, set(req.extras), req.rest)


def merge(reqs: list[Requirement]) -> list[Requirement]:
    """One requirement per distribution (extras united; the first version and marker kept),
    sorted by name, case-insensitively."""
    out: dict[str, Requirement] = {}
    for r in reqs:
        key = normalize(r.name)
        if key in out:
            out[key].extras |= r.extras
            if not out[key].rest:
                out[key].rest = r.rest
        else:
            out[key] = _copy(r)
    return [out[k] for k in sorted(out, key=str.lower)]
