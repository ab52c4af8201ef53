"""ROOT TTrees (through uproot, the optional ``root`` extra): flat laddu-style trees and AmpTools trees.

Both readers give each MPI rank only its contiguous share of the entries
(:func:`gpu_laddu.distributed.comm.partition` of the tree's entry count) and read only the
branches they need.

Examples
--------
>>> import numpy as np, uproot, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "flat.root")
>>> with uproot.recreate(path) as f:
...     _ = f.mktree("events", {"k_e": np.float64, "k_px": np.float64, "k_py": np.float64, "k_pz": np.float64})
...     f["events"].extend({"k_e": np.array([1.0]), "k_px": np.zeros(1), "k_py": np.zeros(1), "k_pz": np.zeros(1)})
>>> read_root(path).p4_names
('k',)
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from gpu_laddu.context import ExecutionContext, resolve_context
from gpu_laddu.data.arrow import fill_columns, ingest, numpy_column_type, to_float64
from gpu_laddu.data.dataset import Dataset, build_dataset
from gpu_laddu.data.schema import ColumnType, Selection, check_nulls_policy, resolve_columns
from gpu_laddu.data.validate import check_m2_tolerance
from gpu_laddu.data.validate import m2_tolerance as precision_tolerance
from gpu_laddu.distributed.comm import partition
from gpu_laddu.errors import BackendUnavailableError, DataError

_STEP = 1 << 18
_BEAM = ("E_Beam", "Px_Beam", "Py_Beam", "Pz_Beam")
_FINAL = ("E_FinalState", "Px_FinalState", "Py_FinalState", "Pz_FinalState")


def _uproot() -> Any:
    try:
        import uproot
    except ImportError as exc:
        raise BackendUnavailableError(
            "reading ROOT files needs uproot: install it with `pip install gpu_laddu[root]`"
        ) from exc
    return uproot


@contextlib.contextmanager
def _open_tree(path: str | os.PathLike[str], tree: str | None) -> Iterator[tuple[Any, str]]:
    """The TTree (named, or the only one) of an open ROOT file, and a name for messages."""
    uproot = _uproot()
    source = os.fspath(path)
    if not os.path.isfile(source):
        raise DataError(f"{source}: no such file")
    try:
        handle = uproot.open(source)
    except Exception as exc:  # uproot raises many types for a file that is not ROOT
        raise DataError(f"{source}: not a readable ROOT file ({type(exc).__name__}: {exc})") from exc
    with handle:
        try:
            classes = handle.classnames()
        except Exception as exc:
            raise DataError(f"{source}: not a readable ROOT file ({type(exc).__name__}: {exc})") from exc
        trees = list(dict.fromkeys(k.split(";")[0] for k, cls in classes.items() if cls == "TTree"))
        if tree is None and len(trees) != 1:
            raise DataError(f"{source}: {'no TTree' if not trees else f'several TTrees {trees}'} in the file; "
                            "pass tree=")
        name = trees[0] if tree is None else tree
        if name not in trees:
            raise DataError(f"{source}: no TTree named {name!r}; the file has {trees or 'none'}")
        yield handle[name], f"{source}:{name}"


def _branch_type(branch: Any) -> ColumnType:
    dtype = getattr(branch.interpretation, "to_dtype", None)
    if isinstance(dtype, np.dtype) and dtype.shape == ():
        return numpy_column_type(dtype)
    return ColumnType("other", str(branch.typename))


def _arrays(ttree: Any, names: list[str], start: int, stop: int, source: str, library: str) -> Any:
    try:
        return ttree.arrays(names, entry_start=start, entry_stop=stop, library=library)
    except Exception as exc:  # corrupt baskets surface as many exception types
        raise DataError(f"{source}: cannot read entries {start}..{stop} ({type(exc).__name__}: {exc})") from exc


def read_root(
    path: str | os.PathLike[str],
    *,
    tree: str | None = None,
    ctx: ExecutionContext | None = None,
    p4s: Selection = None,
    scalars: Selection = None,
    weight: str | None = "weight",
    nulls: str = "error",
    check_finite: bool = True,
    m2_tolerance: float | None = None,
) -> Dataset:
    """Read this rank's share of a flat TTree into a Dataset (columns named as in Parquet).

    Parameters
    ----------
    path : str or path-like
    tree : str, optional
        The TTree to read; needed only when the file holds several.
    ctx, p4s, scalars, weight, nulls, check_finite, m2_tolerance
        As for :func:`gpu_laddu.read_parquet`.  Array-valued branches are not inferred as
        scalars, and naming one is an error.

    Raises
    ------
    BackendUnavailableError
        uproot is not installed (``pip install gpu_laddu[root]``).
    DataError
        Missing or unreadable file or tree, an AmpTools-shaped tree without ``p4s``/``scalars``
        (use :func:`read_amptools`), and the column errors of :func:`gpu_laddu.read_parquet`.

    Examples
    --------
    >>> import numpy as np, uproot, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.root")
    >>> with uproot.recreate(path) as f:
    ...     _ = f.mktree("t", {"x": np.float32, "n": np.int32})
    ...     f["t"].extend({"x": np.array([0.5], np.float32), "n": np.array([3], np.int32)})
    >>> ds = read_root(path, tree="t", scalars=["x", "n"])
    >>> ds.scalar("x").dtype, ds.scalar("n").tolist()
    (dtype('float64'), [3.0])
    """
    ctx = resolve_context(ctx)
    check_nulls_policy(nulls)
    m2_tolerance = check_m2_tolerance(m2_tolerance)
    with _open_tree(path, tree) as (ttree, source):
        if p4s is None and scalars is None and set(_BEAM) | {_FINAL[0]} <= set(ttree.keys()):
            raise DataError(f"{source}: this is an AmpTools tree (E_Beam, ..., E_FinalState[NumFinalState]); "
                            f"read it with gl.read_amptools({os.fspath(path)!r}, tree={source.rsplit(':', 1)[-1]!r}, "
                            "...), which names the final-state particles and reads the polarisation")
        return _read_flat(ttree, source, ctx, p4s=p4s, scalars=scalars, weight=weight, nulls=nulls,
                          check_finite=check_finite, m2_tolerance=m2_tolerance)


def _read_flat(ttree: Any, source: str, ctx: ExecutionContext, *, p4s: Selection, scalars: Selection,
               weight: str | None, nulls: str, check_finite: bool, m2_tolerance: float | None) -> Dataset:
    fields = {name: _branch_type(ttree[name]) for name in ttree.keys()}  # noqa: SIM118 (a TTree is no dict)
    plan = resolve_columns(fields, p4s=p4s, scalars=scalars, weight=weight, source=source)
    n_global = int(ttree.num_entries)
    if n_global == 0:
        raise DataError(f"{source}: the dataset is empty (the tree has no entries)")
    start, stop = partition(n_global, ctx.rank, ctx.size)
    columns = list(plan.columns)
    batches = (_arrays(ttree, columns, lo, min(stop, lo + _STEP), source, "np") for lo in range(start, stop, _STEP))
    host = fill_columns(columns, batches, stop - start, nulls=nulls, source=source, row_offset=start,
                        empty=ctx.resources.empty_host)  # pinned on a GPU: one async copy per column
    return ingest(ctx, plan, host, check_finite=check_finite, source=source, n_events_global=n_global,
                  global_start=start, row_offset=start, m2_tolerance=m2_tolerance)


def _check_array_branch(values: Any, name: str, source: str, what: str) -> None:
    """Raise :class:`DataError` unless ``values`` (awkward) holds an array of numbers per event."""
    ndim = getattr(values, "ndim", 1)
    if ndim != 2:
        kind = "one number" if ndim == 1 else f"{ndim - 1}-dimensional arrays"
        raise DataError(f"{source}: branch {name!r} holds {kind} per event; it must hold {what} per event")


def _per_event_matrix(values: Any, name: str, width: int, source: str, row0: int, *,
                      fixed: str | None = None) -> tuple[np.ndarray, float]:
    """A jagged or fixed-size array branch as an (n, width) float64 matrix.

    ``fixed`` describes what a branch of exactly ``width`` components holds (else the width is
    the first event's, and every event must have as many entries)."""
    import awkward as ak

    _check_array_branch(values, name, source, fixed or "one value per final-state particle")
    counts = np.asarray(ak.num(values, axis=1))
    if np.any(counts != width):
        row = int(np.argmax(counts != width))
        if fixed is not None:
            raise DataError(f"{source}: branch {name!r} has {int(counts[row])} components at event {row0 + row}; "
                            f"it must have {width} ({fixed})")
        raise DataError(f"{source}: branch {name!r} has {int(counts[row])} entries at event {row0 + row}, "
                        f"where the first event has {width}")
    flat, eps = to_float64(ak.to_numpy(ak.flatten(values, axis=1)), name, nulls="error", row0=row0, source=source)
    return flat.reshape(len(counts), width), eps


def read_amptools(
    path: str | os.PathLike[str],
    *,
    tree: str = "kin",
    pol_in_beam: bool = False,
    pol_angle: float | None = None,
    pol_magnitude: float | None = None,
    ctx: ExecutionContext | None = None,
    check_finite: bool = True,
    m2_tolerance: float | None = None,
) -> Dataset:
    """Read an AmpTools tree: four-vectors ``beam``, ``final_state_0``, ``final_state_1``, ...

    The tree holds ``E_Beam, Px_Beam, Py_Beam, Pz_Beam``, the per-event arrays
    ``E_FinalState, Px_FinalState, Py_FinalState, Pz_FinalState`` (the same length in every
    event) and optionally ``Weight`` (else unit weights).  The beam polarisation becomes the
    scalars ``pol_magnitude`` and ``pol_angle`` (radians), from one of

    * ``pol_in_beam=True``: the beam's transverse momentum (``hypot(px, py)``,
      ``atan2(py, px)``); the beam's px and py are then set to 0 (laddu's convention);
    * ``pol_angle`` (degrees) and ``pol_magnitude``: the same values for every event;
    * an ``EPS`` (or ``eps``) branch of three components per event: kept as the scalars
      ``eps_x, eps_y, eps_z``, with ``pol_magnitude = hypot(eps_x, eps_y)`` and
      ``pol_angle = atan2(eps_y, eps_x)``.

    Without any of these the dataset has no polarisation scalars.  ``ctx``, ``check_finite``
    and ``m2_tolerance`` are as for :func:`gpu_laddu.read_parquet` (AmpTools trees are usually
    float32: the mass-shell check then allows 8·eps(float32)·E², and a Parquet file written from
    the Dataset records that tolerance, so it reads back).

    Raises
    ------
    DataError
        Missing branches, final-state or EPS branches that are not arrays, a varying number of
        final-state particles, an EPS branch of other than three components, contradictory or
        invalid polarisation options, and the value checks of :func:`gpu_laddu.read_parquet`.

    Examples
    --------
    >>> import numpy as np, awkward as ak, uproot, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "amptools.root")
    >>> beam = {"E_Beam": [8.5], "Px_Beam": [0.3], "Py_Beam": [0.0], "Pz_Beam": [8.5]}
    >>> finals = {f"{c}_FinalState": ak.Array([[v, v]]) for c, v in [("E", 1.0), ("Px", 0.1), ("Py", 0.1), ("Pz", 0.1)]}
    >>> with uproot.recreate(path) as f:
    ...     _ = f.mktree("kin", {**{k: np.float32 for k in beam}, **{k: "var * float32" for k in finals}},
    ...              counter_name=lambda counted: "NumFinalState")
    ...     f["kin"].extend({**{k: np.array(v, np.float32) for k, v in beam.items()}, **finals})
    >>> ds = read_amptools(path, pol_in_beam=True)
    >>> ds.p4_names, ds.scalar_names, round(float(ds.scalar("pol_magnitude")[0]), 6)
    (('beam', 'final_state_0', 'final_state_1'), ('pol_magnitude', 'pol_angle'), 0.3)
    """
    ctx = resolve_context(ctx)
    m2_tolerance = check_m2_tolerance(m2_tolerance)
    if (pol_angle is None) != (pol_magnitude is None):
        raise DataError("read_amptools: give both pol_angle (degrees) and pol_magnitude, or neither")
    if pol_in_beam and pol_angle is not None:
        raise DataError("read_amptools: pol_in_beam=True and pol_angle/pol_magnitude contradict each other")
    if pol_angle is not None:
        pol_angle = _real(pol_angle, "pol_angle", "a finite angle in degrees")
        pol_magnitude = _real(pol_magnitude, "pol_magnitude", "a degree of polarisation in [0, 1]")
        if not 0.0 <= pol_magnitude <= 1.0:
            raise DataError(f"read_amptools: pol_magnitude must be a degree of polarisation in [0, 1], "
                            f"not {pol_magnitude!r}")
    with _open_tree(path, tree) as (ttree, source):
        return _read_amptools_tree(ttree, source, ctx, pol_in_beam=pol_in_beam, pol_angle=pol_angle,
                                   pol_magnitude=pol_magnitude, check_finite=check_finite, m2_tolerance=m2_tolerance)


def _real(value: Any, name: str, what: str) -> float:
    """``value`` as a finite float, or :class:`DataError` naming argument ``name``."""
    if (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
            and math.isfinite(float(value))):
        return float(value)
    raise DataError(f"read_amptools: {name} must be {what}, not {value!r}")


def _read_amptools_tree(ttree: Any, source: str, ctx: ExecutionContext, *, pol_in_beam: bool,
                        pol_angle: float | None, pol_magnitude: float | None, check_finite: bool,
                        m2_tolerance: float | None) -> Dataset:
    keys = set(ttree.keys())
    missing = [b for b in (*_BEAM, *_FINAL) if b not in keys]
    if missing:
        raise DataError(f"{source}: AmpTools branches {missing} are missing; the tree has {sorted(keys)}")
    eps_branch = next((b for b in ("EPS", "eps") if b in keys), None)
    if eps_branch is not None and (pol_in_beam or pol_angle is not None):
        raise DataError(f"{source}: the tree has an {eps_branch!r} branch, so pol_in_beam/pol_angle would "
                        "contradict it; drop those options")
    n_global = int(ttree.num_entries)
    if n_global == 0:
        raise DataError(f"{source}: the dataset is empty (the tree has no entries)")
    import awkward as ak

    first = _arrays(ttree, list(_FINAL), 0, 1, source, "ak")
    for b in _FINAL:
        _check_array_branch(first[b], b, source, "one value per final-state particle")
    if eps_branch is not None:
        _check_array_branch(_arrays(ttree, [eps_branch], 0, 1, source, "ak")[eps_branch], eps_branch, source,
                            "the three components of the polarisation vector")
    width = int(ak.num(first[_FINAL[0]], axis=1)[0])
    start, stop = partition(n_global, ctx.rank, ctx.size)
    names = [*_BEAM, *_FINAL, *(["Weight"] if "Weight" in keys else []), *([eps_branch] if eps_branch else [])]
    arrays = _arrays(ttree, names, start, stop, source, "ak")

    def flat(name: str) -> tuple[np.ndarray, float]:
        return to_float64(ak.to_numpy(arrays[name]), name, nulls="error", row0=start, source=source)

    beam = [flat(b) for b in _BEAM]
    finals = [_per_event_matrix(arrays[b], b, width, source, start) for b in _FINAL]
    e, px, py, pz = (c for c, _ in beam)
    scalars: dict[str, np.ndarray] = {}
    if pol_in_beam:
        scalars = {"pol_magnitude": np.hypot(px, py), "pol_angle": np.arctan2(py, px)}
        px, py = np.zeros_like(px), np.zeros_like(py)
    elif pol_angle is not None and pol_magnitude is not None:
        scalars = {"pol_magnitude": np.full(len(e), float(pol_magnitude)),
                   "pol_angle": np.full(len(e), math.radians(float(pol_angle)))}
    elif eps_branch is not None:
        eps_vec, _ = _per_event_matrix(arrays[eps_branch], eps_branch, 3, source, start,
                                       fixed="the polarisation vector (eps_x, eps_y, eps_z)")
        scalars = {"eps_x": eps_vec[:, 0], "eps_y": eps_vec[:, 1], "eps_z": eps_vec[:, 2]}
        scalars.update(pol_magnitude=np.hypot(eps_vec[:, 0], eps_vec[:, 1]),
                       pol_angle=np.arctan2(eps_vec[:, 1], eps_vec[:, 0]))
    p4s = {"beam": (e, px, py, pz)}
    tolerance = {"beam": precision_tolerance(max(eps for _, eps in beam))}
    final_eps = precision_tolerance(max(eps for _, eps in finals))
    for i in range(width):
        fe, fpx, fpy, fpz = (np.ascontiguousarray(m[:, i]) for m, _ in finals)
        p4s[f"final_state_{i}"] = (fe, fpx, fpy, fpz)
        tolerance[f"final_state_{i}"] = final_eps
    if m2_tolerance is not None:
        tolerance = dict.fromkeys(tolerance, m2_tolerance)
    weights = flat("Weight")[0] if "Weight" in keys else None
    return build_dataset(ctx, p4s, scalars, weights, check_finite=check_finite, source=source,
                         n_events_global=n_global, global_start=start, row_offset=start, m2_tolerance=tolerance)
