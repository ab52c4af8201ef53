"""Bad arguments to models, K-matrices, fits and likelihood sums raise GpuLadduError subclasses
naming the argument (issue 14, defect 15)."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from tests.helpers import col


@pytest.fixture
def nll(cpu_ctx):
    a = gl.parameter("a", initial=1.0)
    ds = gl.from_numpy(scalars={"x": np.linspace(0.5, 1.5, 5)}, ctx=cpu_ctx)
    return gl.NLL(gl.Model((gl.Scalar("S", a) * col("x")).norm_sqr() + 0.1), ds, ds)


@pytest.mark.parametrize("value", ["x", "1.5", None, [1.0], object()])
def test_fix_to_a_non_number(value):
    model = gl.Model(gl.parameter("a") * gl.parameter("b"))
    with pytest.raises(gl.ParameterError, match="cannot fix 'a' to"):
        model.fix("a", value)


@pytest.mark.parametrize("coupling", [1.0, gl.parameter("c"), "ab", (1.0,), (1.0, 2.0, 3.0)])
def test_kmatrix_coupling_must_be_a_pair(coupling):
    mass = gl.Mass(["kshort1", "kshort2"])
    with pytest.raises(gl.ModelError, match=r"'a0': coupling 1 must be a \(re, im\) pair"):
        gl.KopfKMatrixA0("a0", [(1.0, 0.0), coupling], 1, mass)


@pytest.mark.parametrize("bad", ["x", 3, None, object()])
def test_fit_of_a_non_likelihood(bad):
    with pytest.raises(gl.FitError, match="the likelihood argument must be"):
        gl.fit(bad, progress=False)


@pytest.mark.parametrize("other", [5, 2.5, "x", None])
def test_adding_a_non_likelihood(nll, other):
    with pytest.raises(gl.ModelError, match="cannot add .* to a likelihood"):
        nll + other  # noqa: B018
    if other != 0:
        with pytest.raises(gl.ModelError, match="cannot add .* to a likelihood"):
            other + nll  # noqa: B018
    with pytest.raises(gl.ModelError, match="cannot add .* to a likelihood"):
        (nll + nll) + other  # noqa: B018
    assert sum([nll, nll]).parameters == ("a",)  # sum() starts at 0: still fine
