"""Column roles: which source columns become four-vectors, scalars and the weight.

Every reader describes its source as an ordered mapping ``column name -> ColumnType`` and
calls :func:`resolve_columns`, which applies laddu's naming rules and returns a
:class:`ColumnPlan`.  The rules:

* A four-vector ``X`` is stored as the four columns ``X_e, X_px, X_py, X_pz``.  The suffixes are
  matched case-insensitively (``X_E``, ``X_Px`` also work); the prefix ``X`` keeps its case.
* The weight column is ``weight`` (exact name first, then case-insensitively, so AmpTools'
  ``Weight`` is found).  When it is absent the events have unit weights; a *different*
  requested weight name that is absent is an error.  ``weight=None`` gives unit weights and
  ignores a ``weight`` column (it does not become a scalar either).
* With ``p4s=None`` every complete group of floating-point columns is a four-vector.  An
  incomplete group (say ``X_e`` and ``X_px`` only) is read as separate scalars, with a warning.
* With ``scalars=None`` every other floating-point column is a scalar named like its column.
* Integer columns are left out of inference (laddu keeps exact integer columns out of
  expressions); name them in ``p4s=`` or ``scalars=`` to read them as float64 (exact up to 2**53).
* A requested column that is not numeric (strings, booleans, lists, ...) is an error.
* The older laddu layout (``p4_{i}_E/Px/Py/Pz``, ``aux_{i}_x/y/z``, ``weight``) needs no special
  case: its four-vectors are inferred as ``p4_0, p4_1, ...`` and its ``aux_{i}_x/y/z`` columns
  are scalars of those names (give them to ``gl.Polarization(..., eps=(...))``).  Passing
  ``p4s=["beam", "proton"]`` for such a file names ``p4_0, p4_1`` positionally.
* ``p4s`` and ``scalars`` may also be mappings ``{dataset name: column prefix / column}``.

Examples
--------
>>> cols = {n: ColumnType("float", "double") for n in
...         ["beam_e", "beam_px", "beam_py", "beam_pz", "pol_angle", "weight"]}
>>> plan = resolve_columns(cols, p4s=None, scalars=None, weight="weight", source="demo")
>>> plan.p4s, plan.scalars, plan.weight
({'beam': ('beam_e', 'beam_px', 'beam_py', 'beam_pz')}, {'pol_angle': 'pol_angle'}, 'weight')
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from gpu_laddu.errors import DataError

P4_SUFFIXES = ("e", "px", "py", "pz")
NULL_POLICIES = ("error", "nan")
DEFAULT_WEIGHT = "weight"
_SUFFIX_RE = re.compile(r"\A(?P<prefix>.+)_(?P<suffix>e|px|py|pz)\Z", re.IGNORECASE | re.DOTALL)
_OLD_P4_RE = re.compile(r"^p4_(\d+)$")

Kind = Literal["float", "int", "other"]

#: what ``p4s=`` and ``scalars=`` accept: names, or {dataset name: source prefix or column}
Selection = Sequence[str] | Mapping[str, str] | None


class ColumnType(NamedTuple):
    """The role-relevant type of a source column.

    ``kind`` is ``"float"``, ``"int"`` or ``"other"``; ``name`` is the source's own type name,
    used in error messages.

    >>> ColumnType("float", "float32").kind
    'float'
    """

    kind: Kind
    name: str


@dataclass(frozen=True)
class ColumnPlan:
    """Which source columns to read, and what each becomes.

    Attributes
    ----------
    p4s : dict
        Four-vector name -> the (E, px, py, pz) source column names.
    scalars : dict
        Scalar name -> source column name.
    weight : str or None
        Source column of the weights, or ``None`` for unit weights.

    Examples
    --------
    >>> ColumnPlan({}, {"x": "x_col"}, "w").columns
    ('x_col', 'w')
    """

    p4s: dict[str, tuple[str, str, str, str]]
    scalars: dict[str, str]
    weight: str | None

    @property
    def columns(self) -> tuple[str, ...]:
        """The distinct source columns to read, in plan order."""
        names = [c for comps in self.p4s.values() for c in comps] + list(self.scalars.values())
        if self.weight is not None:
            names.append(self.weight)
        return tuple(dict.fromkeys(names))


def repeated_names(names: Sequence[str]) -> list[str]:
    """The names that occur more than once, sorted.

    >>> repeated_names(["x", "y", "x"])
    ['x']
    """
    return sorted({n for n in names if names.count(n) > 1})


def check_nulls_policy(nulls: str) -> None:
    """Raise :class:`DataError` unless ``nulls`` is ``"error"`` or ``"nan"``.

    >>> check_nulls_policy("nan")
    """
    if nulls not in NULL_POLICIES:
        raise DataError(f"nulls must be 'error' or 'nan', not {nulls!r}")


def resolve_columns(
    fields: Mapping[str, ColumnType],
    *,
    p4s: Selection,
    scalars: Selection,
    weight: str | None,
    source: str,
) -> ColumnPlan:
    """Apply the naming rules of this module to the columns of one source.

    Parameters
    ----------
    fields : mapping of column name -> ColumnType, in source order
    p4s, scalars : sequence of names, mapping {name: prefix or column}, or None (infer)
    weight : str or None
    source : str
        Names the source (usually the file) in error messages.

    Returns
    -------
    ColumnPlan

    Raises
    ------
    DataError
        A requested four-vector component, scalar or weight is missing, ambiguous or
        not numeric, or nothing at all would be read.

    Examples
    --------
    >>> f = {n: ColumnType("float", "double") for n in ["p4_0_E", "p4_0_Px", "p4_0_Py", "p4_0_Pz"]}
    >>> resolve_columns(f, p4s=["beam"], scalars=None, weight="weight", source="old.parquet").p4s
    {'beam': ('p4_0_E', 'p4_0_Px', 'p4_0_Py', 'p4_0_Pz')}
    """
    lookup = _Lookup(fields, source)
    weight_col = _resolve_weight(lookup, weight)
    groups, incomplete = _float_groups(fields, source)
    if p4s is None:
        p4_plan = dict(groups)
    else:
        p4_plan = _explicit_p4s(lookup, p4s, groups)
    used = {c for comps in p4_plan.values() for c in comps}
    ignored_weight = weight_col if weight is not None else lookup.find(DEFAULT_WEIGHT)  # weight=None: no scalar
    if ignored_weight is not None:
        used.add(ignored_weight)
    if scalars is None:
        in_groups = {c for comps in groups.values() for c in comps}
        scalar_plan = {
            name: name for name, ctype in fields.items()
            if ctype.kind == "float" and name not in in_groups and name not in used
        }
        for prefix, cols in incomplete.items():
            if any(c in scalar_plan for c in cols):
                warnings.warn(
                    f"{source}: columns {cols} look like an incomplete four-vector {prefix!r} "
                    f"(it needs {prefix}_e, _px, _py, _pz); they are read as scalars",
                    UserWarning, stacklevel=4,
                )
    else:
        scalar_plan = _explicit_scalars(lookup, scalars)
    plan = ColumnPlan(p4_plan, scalar_plan, weight_col)
    if not plan.columns:
        raise lookup.missing("there are no four-vector, scalar or weight columns to read")
    return plan


class _Lookup:
    """Exact-then-case-insensitive column lookup with type checks."""

    def __init__(self, fields: Mapping[str, ColumnType], source: str) -> None:
        self.fields = fields
        self.source = source
        self._lower: dict[str, list[str]] = {}
        for name in fields:
            self._lower.setdefault(name.lower(), []).append(name)

    def find(self, name: str) -> str | None:
        if name in self.fields:
            return name
        matches = self._lower.get(name.lower(), [])
        if len(matches) > 1:
            raise DataError(f"{self.source}: column name {name!r} is ambiguous; it matches {matches}")
        return matches[0] if matches else None

    def numeric(self, column: str, role: str) -> str:
        ctype = self.fields[column]
        if ctype.kind == "other":
            raise DataError(
                f"{self.source}: column {column!r} ({role}) has non-numeric type {ctype.name}; "
                "only floating-point and integer columns can be read"
            )
        return column

    def missing(self, what: str) -> DataError:
        shown = list(self.fields)
        more = f" (and {len(shown) - 40} more)" if len(shown) > 40 else ""
        return DataError(f"{self.source}: {what}; the source has columns {shown[:40]}{more}")


def _resolve_weight(lookup: _Lookup, weight: str | None) -> str | None:
    if weight is None:
        return None
    if not isinstance(weight, str):
        raise DataError(f"weight must be a column name or None, not {weight!r}")
    col = lookup.find(weight)
    if col is None:
        if weight == DEFAULT_WEIGHT:
            return None
        raise lookup.missing(f"weight column {weight!r} is missing")
    return lookup.numeric(col, "weight")


def _float_groups(
    fields: Mapping[str, ColumnType], source: str
) -> tuple[dict[str, tuple[str, str, str, str]], dict[str, list[str]]]:
    """Complete (E, px, py, pz) groups of float columns by prefix, and the incomplete ones."""
    found: dict[str, dict[str, str]] = {}
    for name, ctype in fields.items():
        match = _SUFFIX_RE.match(name)
        if match is None or ctype.kind != "float":
            continue
        comps = found.setdefault(match["prefix"], {})
        suffix = match["suffix"].lower()
        if suffix in comps:
            raise DataError(
                f"{source}: columns {comps[suffix]!r} and {name!r} are both component {suffix!r} "
                f"of four-vector {match['prefix']!r}"
            )
        comps[suffix] = name
    complete = {p: (c["e"], c["px"], c["py"], c["pz"]) for p, c in found.items() if len(c) == 4}
    incomplete = {p: list(c.values()) for p, c in found.items() if len(c) < 4}
    return complete, incomplete


def _explicit_p4s(
    lookup: _Lookup, p4s: Sequence[str] | Mapping[str, str], groups: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, str, str, str]]:
    if isinstance(p4s, str):
        raise DataError(f"p4s must be a list of names or a mapping, not the string {p4s!r}")
    pairs: list[tuple[str, str]] = (
        list(p4s.items()) if isinstance(p4s, Mapping) else [(n, n) for n in p4s]
    )
    if not isinstance(p4s, Mapping):
        pairs = _positional_old_layout(lookup, pairs, groups)
    plan: dict[str, tuple[str, str, str, str]] = {}
    for name, prefix in pairs:
        comps: list[str] = []
        for suffix in P4_SUFFIXES:
            col = lookup.find(f"{prefix}_{suffix}")
            if col is None:
                raise lookup.missing(
                    f"four-vector {name!r} is missing its component column {prefix}_{suffix!s}"
                )
            comps.append(lookup.numeric(col, f"component {suffix} of four-vector {name!r}"))
        plan[name] = (comps[0], comps[1], comps[2], comps[3])
    return plan


def _positional_old_layout(
    lookup: _Lookup, pairs: list[tuple[str, str]], groups: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """Names for an old-layout file (``p4_0_E``, ...) given as a plain list are positional."""
    old = sorted((int(m[1]), p) for p in groups if (m := _OLD_P4_RE.match(p)))
    if not old or any(lookup.find(f"{name}_e") is not None for name, _ in pairs):
        return pairs
    if [i for i, _ in old] != list(range(len(old))):
        return pairs
    if len(pairs) > len(old):
        raise lookup.missing(
            f"{len(pairs)} four-vector names were given for an old-layout file with only "
            f"{len(old)} four-vectors (p4_0 ... p4_{len(old) - 1})"
        )
    return [(name, old[i][1]) for i, (name, _) in enumerate(pairs)]


def _explicit_scalars(lookup: _Lookup, scalars: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    if isinstance(scalars, str):
        raise DataError(f"scalars must be a list of names or a mapping, not the string {scalars!r}")
    pairs = list(scalars.items()) if isinstance(scalars, Mapping) else [(n, n) for n in scalars]
    plan: dict[str, str] = {}
    for name, column in pairs:
        col = lookup.find(column)
        if col is None:
            raise lookup.missing(f"scalar column {column!r} is missing")
        plan[name] = lookup.numeric(col, f"scalar {name!r}")
    return plan
