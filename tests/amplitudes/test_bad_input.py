"""Bad arguments to the built-in amplitudes raise a ModelError naming the problem."""

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.canonical import kinematics

MASS, ANGLES, POL = kinematics()


def _couplings(n):
    return [(gl.parameter(f"r{i}"), gl.parameter(f"i{i}")) for i in range(n)]


@pytest.mark.parametrize("build, match", [
    (lambda: gl.Zlm("z", 1, 2, "+", ANGLES, POL), r"\|m\|"),
    (lambda: gl.Zlm("z", -1, 0, "+", ANGLES, POL), "l"),
    (lambda: gl.Zlm("z", 2, 1, "x", ANGLES, POL), "reflectivity"),
    (lambda: gl.Zlm("z", 2, 1, 0, ANGLES, POL), "reflectivity"),
    (lambda: gl.Zlm("z", 2, 1, "+", POL, POL), "Angles"),
    (lambda: gl.Zlm("z", 2, 1, "+", ANGLES, ANGLES), "Polarization"),
    (lambda: gl.Ylm("y", 3, -4, ANGLES), r"\|m\|"),
    (lambda: gl.Zlm("", 0, 0, "+", ANGLES, POL), "name"),
    (lambda: gl.BreitWigner("bw", 1.5, 0.1, 9, gl.Mass("kshort1"), gl.Mass("kshort2"), MASS), "l"),
    (lambda: gl.BreitWigner("bw", 1.5 + 1j, 0.1, 0, gl.Mass("kshort1"), gl.Mass("kshort2"), MASS), "real"),
    (lambda: gl.BreitWigner("bw", "wide", 0.1, 0, gl.Mass("kshort1"), gl.Mass("kshort2"), MASS), "parameter"),
    (lambda: gl.KopfKMatrixF0("f0", _couplings(5), 7, MASS), "channel"),
    (lambda: gl.KopfKMatrixF0("f0", _couplings(5), "nonsense", MASS), "channel"),
    (lambda: gl.KopfKMatrixF0("f0", _couplings(4), "kkbar", MASS), "5 coupling"),
    (lambda: gl.KopfKMatrixA0("a0", [(1.0,), (1.0, 2.0)], 0, MASS), "pair"),
    (lambda: gl.Flatte("a", 0.98, 0.2, 0.3, (0.1,), (0.49, 0.49), MASS), "pair of daughter masses"),
    (lambda: gl.Flatte("a", 0.98, 0.2, 0.3, (0.1, -1.0), (0.49, 0.49), MASS), "non-negative"),
])
def test_bad_amplitude_arguments(build, match):
    with pytest.raises(gl.ModelError, match=match):
        build()


def test_model_needing_a_missing_four_vector_fails_at_load(cpu_ctx):
    ds = gl.from_numpy(p4s={"beam": np.array([[1.0, 0.0, 0.0, 1.0]])}, ctx=cpu_ctx)
    model = gl.Model(gl.Zlm("z", 1, 0, "+", ANGLES, POL))
    with pytest.raises(gl.ModelError, match="four-vector 'kshort1'"):
        model.load(ds)
