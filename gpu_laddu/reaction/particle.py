"""The :class:`Particle` record: a particle species' mass and quantum numbers (laddu 0.28.1).

Examples
--------
>>> pion = Particle("pi+", spin=0, parity="-", charge=1, mass=0.13957)
>>> pion.charge, pion.parity, pion.c_parity_checked is None
(1, -1, True)
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from gpu_laddu.reaction.errors import ParticleError

_PARITIES = {1: 1, -1: -1, "+": 1, "-": -1, "positive": 1, "negative": -1, "even": 1, "odd": -1}
_INT_FIELDS = ("charge", "strangeness", "charm", "bottomness", "topness", "baryon_number",
               "electron_lepton_number", "muon_lepton_number", "tau_lepton_number")
_FIELDS = ("name", "species", "antiparticle_species", "self_conjugate", "spin", "parity", "c_parity",
           "g_parity", "charge", "isospin", "strangeness", "charm", "bottomness", "topness", "baryon_number",
           "electron_lepton_number", "muon_lepton_number", "tau_lepton_number", "statistics", "mass", "ids")


def _half_integer(value: Any, what: str) -> Fraction | int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        raise ParticleError(f"Particle {what} must be a non-negative integer or half-integer, got {value!r}")
    doubled = Fraction(value) * 2
    if doubled < 0 or doubled.denominator != 1:
        raise ParticleError(f"Particle {what} must be a non-negative integer or half-integer, got {value!r}")
    half = doubled / 2
    return int(half) if half.denominator == 1 else half


def _parity(value: Any, what: str) -> int | None:
    if value is None:
        return None
    key = value.lower() if isinstance(value, str) else getattr(value, "value", value)
    if isinstance(key, bool) or key not in _PARITIES:
        raise ParticleError(f"Particle {what} must be +1, -1, '+' or '-', got {value!r}")
    return _PARITIES[key]


class Particle:
    """Physical and quantum-number metadata of a particle species (laddu 0.28.1's ``Particle``).

    Every property is optional.  The plain accessors raise
    :class:`~gpu_laddu.reaction.errors.ParticleError` (a ``ValueError``) when a property is
    unknown; the accessors ending in ``_checked`` return ``None`` instead.  Spins and isospins
    are ``int`` or :class:`fractions.Fraction` (laddu returns ``S``/``J`` objects), parities
    ``+1``/``-1`` (laddu: ``Parity``), statistics ``"boson"``/``"fermion"``.

    Parameters
    ----------
    name : str, optional
        Display name.
    species, antiparticle_species : str, optional
        Species names.
    self_conjugate : bool, optional
    spin : int, float or Fraction, optional
        Non-negative integer or half-integer.
    parity, c_parity, g_parity : int or str, optional
        ``+1``/``-1`` or ``"+"``/``"-"``.
    charge, strangeness, charm, bottomness, topness, baryon_number : int, optional
    electron_lepton_number, muon_lepton_number, tau_lepton_number : int, optional
    isospin : int, float or Fraction, optional
        Total isospin.
    statistics : {"boson", "fermion"}, optional
        Defaults from the spin when the spin is given.
    mass : float, optional
        Non-negative mass (GeV).
    ids : dict of str to int, optional
        External identifiers, e.g. ``{"pdg": 211}``.

    Examples
    --------
    >>> import gpu_laddu as gl
    >>> x = gl.Particle("X", spin=1, parity=-1, mass=1.2)
    >>> x.spin, x.mass, x.statistics
    (1, 1.2, 'boson')
    >>> x.charge_checked is None
    True
    """

    __slots__ = tuple("_" + f for f in _FIELDS)
    _name: str | None
    _ids: dict[str, int]

    def __init__(self, name: str | None = None, *, species: str | None = None,
                 antiparticle_species: str | None = None, self_conjugate: bool | None = None,
                 spin: Any = None, parity: Any = None, c_parity: Any = None, g_parity: Any = None,
                 charge: int | None = None, isospin: Any = None, strangeness: int | None = None,
                 charm: int | None = None, bottomness: int | None = None, topness: int | None = None,
                 baryon_number: int | None = None, electron_lepton_number: int | None = None,
                 muon_lepton_number: int | None = None, tau_lepton_number: int | None = None,
                 statistics: str | None = None, mass: float | None = None,
                 ids: dict[str, int] | None = None) -> None:
        for what, text in (("name", name), ("species", species), ("antiparticle_species", antiparticle_species)):
            if text is not None and not isinstance(text, str):
                raise ParticleError(f"Particle {what} must be a string, got {text!r}")
        if self_conjugate is not None and not isinstance(self_conjugate, bool):
            raise ParticleError(f"Particle self_conjugate must be a bool, got {self_conjugate!r}")
        values: dict[str, Any] = dict(name=name, species=species, antiparticle_species=antiparticle_species,
                                      self_conjugate=self_conjugate)
        values["spin"] = _half_integer(spin, "spin")
        values["isospin"] = _half_integer(isospin, "isospin")
        for what, p in (("parity", parity), ("c_parity", c_parity), ("g_parity", g_parity)):
            values[what] = _parity(p, what)
        ints = dict(charge=charge, strangeness=strangeness, charm=charm, bottomness=bottomness, topness=topness,
                    baryon_number=baryon_number, electron_lepton_number=electron_lepton_number,
                    muon_lepton_number=muon_lepton_number, tau_lepton_number=tau_lepton_number)
        for what, v in ints.items():
            if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                raise ParticleError(f"Particle {what} must be an integer, got {v!r}")
            values[what] = v
        if statistics is None and values["spin"] is not None:
            statistics = "boson" if Fraction(values["spin"]).denominator == 1 else "fermion"
        if statistics is not None:
            statistics = statistics.lower() if isinstance(statistics, str) else statistics
            if statistics not in ("boson", "fermion"):
                raise ParticleError(f"Particle statistics must be 'boson' or 'fermion', got {statistics!r}")
        values["statistics"] = statistics
        if mass is not None:
            if isinstance(mass, bool) or not isinstance(mass, int | float) or not math.isfinite(mass) or mass < 0:
                raise ParticleError(f"Particle mass must be a finite non-negative number, got {mass!r}")
            mass = float(mass)
        values["mass"] = mass
        if ids is not None and not (isinstance(ids, dict) and all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in ids.items())):
            raise ParticleError(f"Particle ids must be a dict of str to int, got {ids!r}")
        values["ids"] = dict(ids or {})
        for field, value in values.items():
            object.__setattr__(self, "_" + field, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Particle is immutable")

    def _get(self, field: str) -> Any:
        value = getattr(self, "_" + field)
        if value is None:
            raise ParticleError(f"particle {self._name or '<unnamed>'!r} has no {field}")
        return value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Particle) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def key(self) -> tuple[Any, ...]:
        """All properties as a hashable tuple (equal particles have equal keys)."""
        return tuple(tuple(sorted(self._ids.items())) if f == "ids" else getattr(self, "_" + f) for f in _FIELDS)

    def __repr__(self) -> str:
        return f"Particle({self._name!r})" if self._name is not None else "Particle()"

    # plain accessors raise when unknown; *_checked return None
    name = property(lambda self: self._get("name"), doc="Display name; raises when unknown.")
    species = property(lambda self: self._get("species"), doc="Species name; raises when unknown.")
    antiparticle_species = property(lambda self: self._get("antiparticle_species"),
                                    doc="Antiparticle species name; raises when unknown.")
    self_conjugate = property(lambda self: self._get("self_conjugate"),
                              doc="Whether particle and antiparticle are identical; raises when unknown.")
    spin = property(lambda self: self._get("spin"), doc="Spin (int or Fraction); raises when unknown.")
    parity = property(lambda self: self._get("parity"), doc="Intrinsic parity ±1; raises when unknown.")
    c_parity = property(lambda self: self._get("c_parity"), doc="C-parity ±1; raises when unknown.")
    g_parity = property(lambda self: self._get("g_parity"), doc="G-parity ±1; raises when unknown.")
    charge = property(lambda self: self._get("charge"), doc="Electric charge; raises when unknown.")
    isospin = property(lambda self: self._get("isospin"), doc="Total isospin; raises when unknown.")
    strangeness = property(lambda self: self._get("strangeness"), doc="Strangeness; raises when unknown.")
    charm = property(lambda self: self._get("charm"), doc="Charm; raises when unknown.")
    bottomness = property(lambda self: self._get("bottomness"), doc="Bottomness; raises when unknown.")
    topness = property(lambda self: self._get("topness"), doc="Topness; raises when unknown.")
    baryon_number = property(lambda self: self._get("baryon_number"), doc="Baryon number; raises when unknown.")
    electron_lepton_number = property(lambda self: self._get("electron_lepton_number"),
                                      doc="Electron lepton number; raises when unknown.")
    muon_lepton_number = property(lambda self: self._get("muon_lepton_number"),
                                  doc="Muon lepton number; raises when unknown.")
    tau_lepton_number = property(lambda self: self._get("tau_lepton_number"),
                                 doc="Tau lepton number; raises when unknown.")
    statistics = property(lambda self: self._get("statistics"), doc="'boson' or 'fermion'; raises when unknown.")
    mass = property(lambda self: self._get("mass"), doc="Mass (GeV); raises when unknown.")
    name_checked = property(lambda self: self._name, doc="Display name or None.")
    species_checked = property(lambda self: self._species, doc="Species name or None.")
    antiparticle_species_checked = property(lambda self: self._antiparticle_species,
                                            doc="Antiparticle species or None.")
    self_conjugate_checked = property(lambda self: self._self_conjugate, doc="Self-conjugacy or None.")
    spin_checked = property(lambda self: self._spin, doc="Spin or None.")
    parity_checked = property(lambda self: self._parity, doc="Parity or None.")
    c_parity_checked = property(lambda self: self._c_parity, doc="C-parity or None.")
    g_parity_checked = property(lambda self: self._g_parity, doc="G-parity or None.")
    charge_checked = property(lambda self: self._charge, doc="Charge or None.")
    isospin_checked = property(lambda self: self._isospin, doc="Isospin or None.")
    strangeness_checked = property(lambda self: self._strangeness, doc="Strangeness or None.")
    charm_checked = property(lambda self: self._charm, doc="Charm or None.")
    bottomness_checked = property(lambda self: self._bottomness, doc="Bottomness or None.")
    topness_checked = property(lambda self: self._topness, doc="Topness or None.")
    baryon_number_checked = property(lambda self: self._baryon_number, doc="Baryon number or None.")
    electron_lepton_number_checked = property(lambda self: self._electron_lepton_number,
                                              doc="Electron lepton number or None.")
    muon_lepton_number_checked = property(lambda self: self._muon_lepton_number, doc="Muon lepton number or None.")
    tau_lepton_number_checked = property(lambda self: self._tau_lepton_number, doc="Tau lepton number or None.")
    statistics_checked = property(lambda self: self._statistics, doc="Statistics or None.")
    mass_checked = property(lambda self: self._mass, doc="Mass or None.")

    @property
    def ids(self) -> dict[str, int]:
        """External numeric identifiers by namespace (a copy)."""
        return dict(self._ids)
