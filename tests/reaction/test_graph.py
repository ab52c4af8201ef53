"""Channel construction: inference, frames, and each kind of bad input."""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from gpu_laddu.reaction import (
    InferenceError,
    MissingColumnError,
    ReactionError,
    TopologyError,
    UnknownEdgeError,
    UnknownVertexError,
)
from tests.reaction.topologies import KSKP, build, kskp_events


def _kk(**overrides):
    edges = {"beam": "beam", "target": None, "kk": None, "proton": "proton", "k1": "k1", "k2": "k2"}
    edges.update(overrides)
    return [gl.Edge(n, p4=c) for n, c in edges.items()]


PROD = gl.Vertex("production", incoming=["beam", "target"], outgoing=["kk", "proton"])
DEC = gl.Vertex("decay", incoming=["kk"], outgoing=["k1", "k2"])


def test_inference_and_names():
    ch = gl.Channel("kk", edges=_kk(), vertices=[PROD, DEC])
    assert ch.edge_names == ["beam", "target", "kk", "proton", "k1", "k2"]
    assert ch.vertex_names == ["production", "decay"]
    assert ch.edge_p4("target") is None and ch.edge_p4("beam") == "beam"
    assert ch.resolved_p4("kk") == ("add", ("col", "k1"), ("col", "k2"))
    # the target from the production vertex: kk + proton - beam
    assert ch.resolved_p4("target") == ("sub", ("add", ch.resolved_p4("kk"), ("col", "proton")), ("col", "beam"))


def test_inferred_values_conserve_momentum():
    ev = kskp_events(50)
    ev["k1"], ev["k2"] = ev.pop("kshort1"), ev.pop("kshort2")
    ds = gl.from_numpy(p4s=ev)
    ch = gl.Channel("kk", edges=_kk(), vertices=[PROD, DEC])
    m_target = ch.mass("target").node.attrs[0].value(ds)
    np.testing.assert_allclose(m_target, 0.93827208816, atol=1e-9)
    # channel.s of an edge is the square of channel.mass
    s = ch.s("kk").node.attrs[0].value(ds)
    np.testing.assert_allclose(s, ch.mass("kk").node.attrs[0].value(ds) ** 2, rtol=1e-12)


def test_bad_graphs_name_the_problem():
    with pytest.raises(UnknownEdgeError, match=r"unknown edge 'kx'.*\['beam', 'target'"):
        gl.Channel("c", edges=_kk(), vertices=[PROD, gl.Vertex("decay", incoming=["kx"], outgoing=["k1", "k2"])])
    with pytest.raises(TopologyError, match="more than once"):
        gl.Channel("c", edges=_kk(), vertices=[PROD, gl.Vertex("decay", incoming=["kk"], outgoing=["k1", "k1"])])
    with pytest.raises(TopologyError, match="used twice"):
        gl.Channel("c", edges=_kk(), vertices=[PROD, DEC, gl.Vertex("d2", incoming=["kk"], outgoing=["k2"])])
    with pytest.raises(TopologyError, match="defined twice"):
        gl.Channel("c", edges=[*_kk(), gl.Edge("k1")], vertices=[PROD, DEC])
    with pytest.raises(TopologyError, match="attached to no vertex"):
        gl.Channel("c", edges=[*_kk(), gl.Edge("extra", p4="x")], vertices=[PROD, DEC])
    with pytest.raises(TopologyError, match="disconnected parts"):
        gl.Channel("c", edges=[*_kk(), gl.Edge("y", p4="y"), gl.Edge("a", p4="a"), gl.Edge("b", p4="b")],
                   vertices=[PROD, DEC, gl.Vertex("other", incoming=["y"], outgoing=["a", "b"])])
    with pytest.raises(TopologyError, match="cycle"):
        gl.Channel("c", edges=[gl.Edge("a", p4="a"), gl.Edge("b", p4="b"), gl.Edge("c", p4="c")],
                   vertices=[gl.Vertex("v1", incoming=["a"], outgoing=["b"]),
                             gl.Vertex("v2", incoming=["b"], outgoing=["c"]),
                             gl.Vertex("v3", incoming=["c"], outgoing=["a"])])
    # two edges without columns at the same decay: neither can be inferred
    with pytest.raises(InferenceError, match=r"p4 column.*four-vector columns"):
        gl.Channel("c", edges=_kk(k2=None), vertices=[PROD, DEC])
    with pytest.raises(TopologyError, match="no incoming"):
        gl.Vertex("v", incoming=[], outgoing=["a"])
    with pytest.raises(TopologyError, match="p4"):
        gl.Edge("e", p4=3)  # type: ignore[arg-type]
    with pytest.raises(TopologyError, match="Edge objects"):
        gl.Channel("c", edges=["beam"], vertices=[PROD])  # type: ignore[list-item]


def test_bad_lookups():
    ch = gl.Channel("kk", edges=_kk(), vertices=[PROD, DEC])
    with pytest.raises(UnknownVertexError, match="unknown vertex 'dec'.*vertices"):
        ch.vertex("dec")
    with pytest.raises(UnknownEdgeError, match="unknown edge 'k3'"):
        ch.vertex("decay").vec3("k3")
    with pytest.raises(UnknownEdgeError, match="unknown edge 'k3'"):
        ch.mass("k3")
    with pytest.raises(ReactionError, match="no particle properties"):
        ch.particle("k1")
    with pytest.raises(ReactionError, match="not 2-to-2"):
        ch.vertex("decay").t()
    with pytest.raises(ReactionError, match="'s', 't' or 'u'"):
        ch.vertex("production").mandelstam("x")
    with pytest.raises(gl.ModelError, match="z_axis"):
        ch.vertex("decay").costheta("k1", z_axis="beam", y_hint=(0, 1, 0))


def test_missing_column_at_load_lists_the_graph():
    ch = build(gl, KSKP)
    ev = kskp_events(10)
    del ev["kshort2"]
    ds = gl.from_numpy(p4s=ev)
    cos = ch.vertex("kk_decay").costheta("kshort1", z_axis=(0, 0, 1), y_hint=(0, 1, 0))
    with pytest.raises(MissingColumnError, match=r"\['kshort2'\].*edges \['beam'"):
        gl.Model(cos).load(ds)


def test_every_backend_gives_the_numpy_values(ctx):
    """Vertex-frame angles through a Model on each backend (numpy, numba, cupy) against numpy's."""
    ch = build(gl, KSKP)
    prod, kk = ch.vertex("production"), ch.vertex("kk_decay")
    axes = {"z_axis": -kk.vec3("proton"), "y_hint": -prod.vec3("beam").cross(prod.vec3("proton"))}
    exprs = [kk.costheta("kshort1", **axes), kk.phi("kshort1", **axes), ch.mass("kk"), prod.t(),
             kk.phi("kshort1", z_axis=gl.Vec3.z_axis(), y_hint=gl.Vec3.event("beam"))]  # the IR path too
    ev = kskp_events(64)
    ref_ds = gl.from_numpy(p4s=ev, ctx=gl.ExecutionContext(device="cpu", backend="numpy"))
    ds = gl.from_numpy(p4s=ev, ctx=ctx)
    for e in exprs:
        ref = np.asarray(gl.Model(e * 1.0).load(ref_ds).evaluate([]).real)
        ours = ctx.to_numpy(gl.Model(e * 1.0).load(ds).evaluate([])).real
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_blocked_computation_equals_one_block(monkeypatch):
    from gpu_laddu.reaction import frames

    ch = build(gl, KSKP)
    kk = ch.vertex("kk_decay")
    phi = kk.phi("kshort1", z_axis=-kk.vec3("proton"), y_hint=gl.Vec3.y_axis())
    ds = gl.from_numpy(p4s=kskp_events(100))
    whole = phi.node.attrs[0].compute(ds, {})
    monkeypatch.setattr(frames, "CHUNK", 7)
    np.testing.assert_array_equal(phi.node.attrs[0].compute(ds, {}), whole)
