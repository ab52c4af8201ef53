"""Every angle of every vertex of the example topologies against laddu 0.28.1's Channel/Vertex.

laddu compiles each symbolic angle (about 2 s each on a loaded CI machine), so each vertex is
checked for every outgoing edge in its helicity frame and for one edge in a second frame
(Gottfried-Jackson, Adair or lab axes), plus θ, the inferred masses and t.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpu_laddu as gl
from tests.laddu_oracle import laddu_evaluate
from tests.reaction.topologies import TOPOLOGIES, build

pytestmark = pytest.mark.laddu
N = 200


def _production_normal(ch, vec3_type, root, a, b):
    """a × b in the root frame (b None: a × lab ẑ, for a decay at rest where a and b are back to back)."""
    other = vec3_type.z_axis() if b is None else ch.vertex(root).vec3(b)
    return ch.vertex(root).vec3(a).cross(other)


# per topology: (vertex, [edges], frame name, z(ch, V), y(ch, V)); laddu's own tutorials' frames
FRAMES = {
    "omega_pi0_p": [
        ("production", ["b1", "recoil"], "cm", lambda ch, V: ch.vertex("production").vec3("beam"), "y"),
        ("b1_decay", ["omega", "pi0_b"], "hx", lambda ch, V: -ch.vertex("b1_decay").vec3("recoil"), None),
        ("b1_decay", ["omega"], "gj", lambda ch, V: ch.vertex("b1_decay").vec3("beam"), None),
        ("omega_decay", ["pip", "pim", "pi0_w"], "hx", lambda ch, V: -ch.vertex("omega_decay").vec3("pi0_b"), None),
        ("omega_decay", ["pip"], "adair", lambda ch, V: ch.vertex("omega_decay").vec3("beam"), "x"),
    ],
    "rho_pi": [
        ("X_decay", ["rho", "pi3"], "lab", lambda ch, V: V.z_axis(), "y"),
        ("rho_decay", ["pi1", "pi2"], "hx", lambda ch, V: -ch.vertex("rho_decay").vec3("pi3"), None),
        ("rho_decay", ["pi1"], "lab_z", lambda ch, V: V.z_axis(), "x"),
        # a y hint read from the events (not a frame vector): the IR path over Vec3 components
        ("rho_decay", ["pi2"], "event_y", lambda ch, V: -ch.vertex("rho_decay").vec3("pi3"), "event"),
    ],
    "kskp": [
        ("production", ["kk"], "cm", lambda ch, V: ch.vertex("production").vec3("beam"), "y"),
        ("kk_decay", ["kshort1", "kshort2"], "hx", lambda ch, V: -ch.vertex("kk_decay").vec3("proton"), None),
        ("kk_decay", ["kshort1"], "gj", lambda ch, V: ch.vertex("kk_decay").vec3("beam"), None),
    ],
}
NORMALS = {"omega_pi0_p": ("production", "beam", "recoil"), "rho_pi": ("X_decay", "pi3", None),
           "kskp": ("production", "beam", "proton")}
INFERRED = {"omega_pi0_p": ["target", "b1", "omega"], "rho_pi": ["X", "rho"], "kskp": ["target", "kk"]}


def _exprs(lib, vec3_type, channel, name):
    out = {}
    normal = _production_normal(channel, vec3_type, *NORMALS[name])
    for vname, edges, fname, z_of, y_of in FRAMES[name]:
        frame = channel.vertex(vname)
        z = z_of(channel, vec3_type)
        y = {None: normal, "y": vec3_type.y_axis(), "x": vec3_type.x_axis()}.get(y_of) or vec3_type.event("pi3")
        for edge in edges:
            key = f"{vname}|{edge}|{fname}"
            out["cos|" + key] = frame.costheta(edge, z_axis=z, y_hint=y)
            out["phi|" + key] = frame.phi(edge, z_axis=z, y_hint=y)
        out[f"theta|{vname}|{edges[0]}|{fname}"] = frame.theta(edges[0], z_axis=z, y_hint=y)
    for e in INFERRED[name]:
        out[f"m|{e}"] = channel.mass(e)
    out[f"s|{INFERRED[name][-1]}"] = channel.s(INFERRED[name][-1])
    if name != "rho_pi":
        out["t|production"] = channel.vertex("production").t()
    return out


def _ours(ds, exprs):
    """Reaction columns directly (shared memo); anything else (IR over components) through a Model."""
    memo: dict = {}
    out = {k: np.asarray(e.node.attrs[0].compute(ds, memo)) for k, e in exprs.items() if e.node.op == "column"}
    rest = {k: e for k, e in exprs.items() if e.node.op != "column"}
    for k, e in rest.items():
        out[k] = np.asarray(gl.Model(e).load(ds).evaluate([]).real)
    return out


@pytest.mark.parametrize("name", list(TOPOLOGIES))
def test_every_vertex_angle_matches_laddu(laddu, name):
    topology = TOPOLOGIES[name]
    events = topology[2](N)
    ctx = gl.ExecutionContext(device="cpu", backend="numpy")
    ds = gl.from_numpy(p4s=events, ctx=ctx)
    ours = _ours(ds, _exprs(gl, gl.Vec3, build(gl, topology), name))
    ref = laddu_evaluate(laddu.Dataset.from_arrays(p4s=events, scalars={}),
                         _exprs(laddu, laddu.Vec3, build(laddu, topology), name))
    assert set(ours) == set(ref)
    for key, theirs in ref.items():
        diff = ours[key] - theirs
        if key.startswith("phi|"):
            diff = (diff + np.pi) % (2 * np.pi) - np.pi
        assert np.all(np.isfinite(theirs)), key
        scale = max(np.max(np.abs(theirs)), 1.0 if key[:4] in ("cos|", "phi|", "thet") else 0.0)
        assert np.max(np.abs(diff)) <= 1e-10 * scale, f"{name} {key}: max |diff| {np.max(np.abs(diff)):.3e}"
    ctx.close()


def test_model_path_matches_column_path(laddu):
    """The same angle through gl.Model (precompute split, cache columns) as through the column source."""
    topology = TOPOLOGIES["rho_pi"]
    events = topology[2](64)
    ds = gl.from_numpy(p4s=events)
    ch = build(gl, topology)
    rho = ch.vertex("rho_decay")
    phi = rho.phi("pi1", z_axis=-rho.vec3("pi3"), y_hint=ch.vertex("X_decay").vec3("pi3").cross(gl.Vec3.z_axis()))
    via_model = gl.Model(phi * 1.0).load(ds).evaluate([]).real
    ref = laddu_evaluate(laddu.Dataset.from_arrays(p4s=events, scalars={}), {
        "phi": build(laddu, topology).vertex("rho_decay").phi(
            "pi1", z_axis=-build(laddu, topology).vertex("rho_decay").vec3("pi3"),
            y_hint=build(laddu, topology).vertex("X_decay").vec3("pi3").cross(laddu.Vec3.z_axis()))})["phi"]
    np.testing.assert_allclose(np.asarray(via_model), ref, rtol=0, atol=1e-10)


def test_vec4_edge_momenta_match_laddu(laddu):
    """Edges whose p4 is a Vec4 expression (a sum of dataset four-vectors), as laddu allows."""
    events = TOPOLOGIES["rho_pi"][2](100)

    def channel(lib):
        return lib.Channel("x", edges=[
            lib.Edge("X", p4=lib.Vec4.event("pi1") + lib.Vec4.event("pi2") + lib.Vec4.event("pi3")),
            lib.Edge("rho", p4=lib.Vec4.event("pi1") + lib.Vec4.event("pi2")), lib.Edge("pi1", p4="pi1"),
            lib.Edge("pi2"), lib.Edge("pi3", p4="pi3")],
            vertices=[lib.Vertex("X_decay", incoming=["X"], outgoing=["rho", "pi3"]),
                      lib.Vertex("rho_decay", incoming=["rho"], outgoing=["pi1", "pi2"])])

    def exprs(lib):
        ch = channel(lib)
        rho = ch.vertex("rho_decay")
        axes = {"z_axis": -rho.vec3("pi3"), "y_hint": lib.Vec3.z_axis()}
        return {"cos": rho.costheta("pi2", **axes), "phi": rho.phi("pi2", **axes), "m": ch.mass("pi2")}

    ref = laddu_evaluate(laddu.Dataset.from_arrays(p4s=events, scalars={}), exprs(laddu))
    ours = _ours(gl.from_numpy(p4s=events), exprs(gl))
    for k, v in ref.items():
        np.testing.assert_allclose(ours[k], v, rtol=0, atol=1e-10 * max(1.0, np.max(np.abs(v))))
    with pytest.raises(gl.reaction.TopologyError, match="add or subtract"):
        gl.Edge("bad", p4=gl.Vec4.event("pi1").boost(gl.Vec3(0.1, 0.0, 0.0)))
