"""Constants of the six Kopf et al. K-matrix families (EPJC 81 (2021) 1056), as laddu uses them.

Each family is a frozen :class:`KMatrixFamily`: channels (name and daughter masses), orbital
angular momentum, pole masses, couplings g (rows = channels, columns = poles), background c
(channels × channels) and, for f0 only, the Adler zero (s0, s_norm).  4π is modelled as
(2m_π⁰, 2m_π⁰) and KK̄ as (K±, K⁰), exactly as laddu does.

Examples
--------
>>> from gpu_laddu.amplitudes.kmatrix_data import F0, FAMILIES
>>> F0.n_channels, F0.n_poles, F0.channel_index("kkbar")
(5, 5, 2)
>>> sorted(FAMILIES)
['a0', 'a2', 'f0', 'f2', 'pi1', 'rho']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from gpu_laddu.errors import ModelError

__all__ = ["A0", "A2", "F0", "F2", "FAMILIES", "PI1", "RHO", "KMatrixFamily"]

M_PI0 = 0.1349768
M_K_CHARGED = 0.493677
M_K0 = 0.497611
M_ETA = 0.547862
M_ETA_PRIME = 0.95778

_PIPI = ("pipi", (M_PI0, M_PI0))
_FOURPI = ("4pi", (2.0 * M_PI0, 2.0 * M_PI0))
_KKBAR = ("kkbar", (M_K_CHARGED, M_K0))
_ETAETA = ("etaeta", (M_ETA, M_ETA))
_ETAETAPRIME = ("etaetaprime", (M_ETA, M_ETA_PRIME))
_PIETA = ("pieta", (M_PI0, M_ETA))
_PIETAPRIME = ("pietaprime", (M_PI0, M_ETA_PRIME))


@dataclass(frozen=True)
class KMatrixFamily:
    """One Kopf K-matrix family.

    Attributes
    ----------
    name : str
        ``"f0"``, ``"f2"``, ``"a0"``, ``"a2"``, ``"rho"`` or ``"pi1"``.
    channels : tuple of (str, (float, float))
        Channel names with their two daughter masses (GeV), in channel-index order.
    l : int
        Orbital angular momentum of every channel.
    pole_masses : tuple of float
        Bare pole masses m_α (GeV).
    couplings : tuple of tuple of float
        g_iα, one row per channel, one column per pole.
    background : tuple of tuple of float
        Symmetric c_ij, channels × channels.
    adler_zero : (float, float) or None
        (s0, s_norm) of the Adler factor (s − s0)/s_norm multiplying K̂, or None.

    Examples
    --------
    >>> from gpu_laddu.amplitudes.kmatrix_data import PI1
    >>> PI1.channel_names, PI1.l
    (('pieta', 'pietaprime'), 1)
    """

    name: str
    channels: tuple[tuple[str, tuple[float, float]], ...]
    l: int
    pole_masses: tuple[float, ...]
    couplings: tuple[tuple[float, ...], ...]
    background: tuple[tuple[float, ...], ...]
    adler_zero: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        shapes = (np.shape(self.couplings), np.shape(self.background))
        if shapes != ((self.n_channels, self.n_poles), (self.n_channels, self.n_channels)):
            raise ModelError(f"K-matrix family {self.name!r}: inconsistent coupling/background shapes {shapes}")

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.channels)

    @property
    def n_poles(self) -> int:
        """Number of poles (= number of production couplings β_α)."""
        return len(self.pole_masses)

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Channel names in index order."""
        return tuple(name for name, _ in self.channels)

    @property
    def channel_masses(self) -> tuple[tuple[float, float], ...]:
        """Daughter masses (m1, m2) of each channel in index order."""
        return tuple(masses for _, masses in self.channels)

    def channel_index(self, channel: int | str) -> int:
        """Index of a channel given by index or by name.

        Raises
        ------
        ModelError
            If the index is out of range or the name unknown.

        Examples
        --------
        >>> from gpu_laddu.amplitudes.kmatrix_data import A2
        >>> A2.channel_index(1), A2.channel_index("pietaprime")
        (1, 2)
        """
        if isinstance(channel, str):
            if channel in self.channel_names:
                return self.channel_names.index(channel)
            raise ModelError(f"K-matrix {self.name!r} has no channel {channel!r}; channels: {self.channel_names}")
        if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)):
            raise ModelError(f"K-matrix channel must be an int or a name, got {channel!r}")
        if not 0 <= channel < self.n_channels:
            raise ModelError(
                f"K-matrix {self.name!r} channel index {channel} is out of range 0..{self.n_channels - 1} "
                f"(channels: {self.channel_names})"
            )
        return int(channel)


F0 = KMatrixFamily(
    name="f0",
    channels=(_PIPI, _FOURPI, _KKBAR, _ETAETA, _ETAETAPRIME),
    l=0,
    pole_masses=(0.51461, 0.90630, 1.23089, 1.46104, 1.69611),
    couplings=(
        (0.74987, 0.06401, -0.23417, 0.01270, -0.14242),
        (-0.01257, 0.00204, -0.01032, 0.26700, 0.22780),
        (0.27536, 0.77413, 0.72283, 0.09214, 0.15981),
        (-0.15102, 0.50999, 0.11934, 0.02742, 0.16272),
        (0.36103, 0.13112, 0.36792, -0.04025, -0.17397),
    ),
    background=(
        (0.03728, 0.0, -0.01398, -0.02203, 0.01397),
        (0.0, 0.0, 0.0, 0.0, 0.0),
        (-0.01398, 0.0, 0.02349, 0.03101, -0.04003),
        (-0.02203, 0.0, 0.03101, -0.13769, -0.06722),
        (0.01397, 0.0, -0.04003, -0.06722, -0.28401),
    ),
    adler_zero=(0.0091125, 1.0),
)

F2 = KMatrixFamily(
    name="f2",
    channels=(_PIPI, _FOURPI, _KKBAR, _ETAETA),
    l=2,
    pole_masses=(1.15299, 1.48359, 1.72923, 1.96700),
    couplings=(
        (0.40033, 0.01820, -0.06709, -0.49924),
        (0.15479, 0.17300, 0.22941, 0.19295),
        (-0.08900, 0.32393, -0.43133, 0.27975),
        (-0.00113, 0.15256, 0.23721, -0.03987),
    ),
    background=(
        (-0.04319, 0.0, 0.00984, 0.01028),
        (0.0, 0.0, 0.0, 0.0),
        (0.00984, 0.0, -0.07344, 0.05533),
        (0.01028, 0.0, 0.05533, -0.05183),
    ),
)

A0 = KMatrixFamily(
    name="a0",
    channels=(_PIETA, _KKBAR),
    l=0,
    pole_masses=(0.95395, 1.26767),
    couplings=((0.43215, 0.19000), (-0.28825, 0.43372)),
    background=((0.0, 0.0), (0.0, 0.0)),
)

A2 = KMatrixFamily(
    name="a2",
    channels=(_PIETA, _KKBAR, _PIETAPRIME),
    l=2,
    pole_masses=(1.30080, 1.75351),
    couplings=((0.30073, 0.68567), (0.21426, 0.12543), (-0.09162, 0.00184)),
    background=(
        (-0.40184, 0.00033, -0.08707),
        (0.00033, -0.21416, -0.06193),
        (-0.08707, -0.06193, -0.17435),
    ),
)

RHO = KMatrixFamily(
    name="rho",
    channels=(_PIPI, _FOURPI, _KKBAR),
    l=1,
    pole_masses=(0.71093, 1.58660),
    couplings=((0.28023, 0.16318), (0.01806, 0.53879), (0.06501, 0.00495)),
    background=((-0.06948, 0.0, 0.07958), (0.0, 0.0, 0.0), (0.07958, 0.0, -0.6)),
)

PI1 = KMatrixFamily(
    name="pi1",
    channels=(_PIETA, _PIETAPRIME),
    l=1,
    pole_masses=(1.38552,),
    couplings=((0.80564,), (1.04595,)),
    background=((1.05, 0.15163), (0.15163, -0.24611)),
)

FAMILIES: Mapping[str, KMatrixFamily] = MappingProxyType({family.name: family for family in (F0, F2, A0, A2, RHO, PI1)})
"""The six families by name (read-only)."""
