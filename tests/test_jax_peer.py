"""The expert-JAX peer of the benchmarks (benches/jax_peer.py) computes our likelihood: value and
gradient equal gpu_laddu's on the same cache columns, for an integrals model and an event-loop model."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from tests.codegen.models import MODELS, datasets

pytest.importorskip("jax")


@pytest.mark.parametrize(("name", "method"), [("kmatrix_like", "integrals"), ("breit_wigner", "events")])
def test_jax_peer_matches_gpu_laddu(name, method):
    from benches import jax_peer

    jax_peer.configure(1)
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    data, mc = datasets(ctx, 300, 500)
    model, p = MODELS[name]()
    nll = gl.NLL(model, data, mc)
    assert nll.mc_method == method
    peer = jax_peer.JaxNLL(nll)
    assert peer.compile(p) > 0
    value, grad = nll.value_and_gradient(p)
    v, g = peer.value_and_gradient(p)
    assert abs(v - value) <= 1e-12 * abs(value)
    assert np.max(np.abs(g - grad)) <= 1e-10 * np.max(np.abs(grad))
    assert abs(peer.value(p) - value) <= 1e-12 * abs(value)
