"""gpu_laddu.particles against laddu 0.28.1's constants, and Particle's checks."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

import gpu_laddu as gl
from gpu_laddu.reaction import ParticleError

_PARITY = {"Positive": 1, "Negative": -1, None: None}


def _half(v):
    return None if v is None else Fraction(v, 2)


@pytest.mark.laddu
def test_every_laddu_constant_matches(laddu):
    names = sorted(n for n in dir(laddu.particles) if n.isupper())
    assert names == sorted(gl.particles.__all__)
    for name in names:
        ref = json.loads(getattr(laddu.particles, name).to_json())
        ours = getattr(gl.particles, name)
        assert ours.name_checked == ref["name"] and ours.species_checked == ref["species"], name
        assert ours.antiparticle_species_checked == ref["antiparticle_species"], name
        assert ours.self_conjugate_checked == ref["self_conjugate"], name
        assert ours.mass_checked == ref["mass"], name
        assert ours.spin_checked == _half(ref["spin"]), name
        iso = None if ref["isospin"] is None else ref["isospin"]["isospin"]
        assert ours.isospin_checked == _half(iso), name
        for p in ("parity", "c_parity", "g_parity"):
            assert getattr(ours, p + "_checked") == _PARITY[ref[p]], (name, p)
        for k in ("charge", "strangeness", "charm", "bottomness", "topness", "baryon_number",
                  "electron_lepton_number", "muon_lepton_number", "tau_lepton_number"):
            assert getattr(ours, k + "_checked") == ref[k], (name, k)
        assert ours.statistics_checked == ref["statistics"].lower(), name
        assert ours.ids == {k: v["Code"]["value"] for k, v in ref["ids"].items()}, name
        # laddu's accessors agree with the JSON we read
        lp = getattr(laddu.particles, name)
        if lp.mass_checked is not None:
            assert ours.mass == lp.mass
        if lp.spin_checked is not None:
            assert float(ours.spin) == lp.spin.value


def test_particle_accessors_and_checks():
    x = gl.Particle("X", spin=1.5, parity="+", mass=1.2)
    assert (x.spin, x.parity, x.statistics, x.mass) == (Fraction(3, 2), 1, "fermion", 1.2)
    assert x.charge_checked is None
    with pytest.raises(ParticleError, match="has no charge"):
        _ = x.charge
    assert gl.Particle("X", spin=1.5, parity="+", mass=1.2) == x
    for kwargs, match in [({"spin": 0.3}, "spin"), ({"spin": -1}, "spin"), ({"parity": 2}, "parity"),
                          ({"mass": -1.0}, "mass"), ({"mass": float("nan")}, "mass"), ({"charge": 0.5}, "charge"),
                          ({"statistics": "anyon"}, "statistics"), ({"ids": {"pdg": "211"}}, "ids"),
                          ({"self_conjugate": 1}, "self_conjugate")]:
        with pytest.raises(ParticleError, match=match):
            gl.Particle("bad", **kwargs)
    with pytest.raises(AttributeError):
        x.mass = 2.0  # type: ignore[misc]
