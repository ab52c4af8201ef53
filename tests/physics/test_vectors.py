"""Four-vector algebra against independent NumPy formulas (matrices, np.cross, np.linalg.norm)."""

from __future__ import annotations

import numpy as np

from gpu_laddu.physics import vectors as v

RNG = np.random.default_rng(3)
N = 500


def _cols(a):
    return tuple(a.T)


def _random_p4(mass_range=(0.1, 2.0), pmax=3.0):
    p = RNG.uniform(-pmax, pmax, (N, 3))
    m = RNG.uniform(*mass_range, N)
    return np.column_stack([np.sqrt(m**2 + (p**2).sum(1)), p]), m


def _lorentz(beta):
    """(N, 4, 4) boost matrices by velocity beta (a particle at rest ends up with velocity beta)."""
    b2 = (beta**2).sum(1)
    g = 1.0 / np.sqrt(1.0 - b2)
    lam = np.zeros((len(beta), 4, 4))
    lam[:, 0, 0] = g
    lam[:, 0, 1:] = lam[:, 1:, 0] = g[:, None] * beta
    lam[:, 1:, 1:] = np.eye(3) + ((g - 1.0) / b2)[:, None, None] * beta[:, :, None] * beta[:, None, :]
    return lam


def test_three_vector_algebra():
    a, b = RNG.normal(size=(N, 3)), RNG.normal(size=(N, 3))
    np.testing.assert_allclose(v.dot3(_cols(a), _cols(b)), np.einsum("ij,ij->i", a, b), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(np.column_stack(v.cross3(_cols(a), _cols(b))), np.cross(a, b), atol=1e-14)
    np.testing.assert_allclose(v.mag3(np, _cols(a)), np.linalg.norm(a, axis=1), rtol=1e-15)
    np.testing.assert_allclose(np.column_stack(v.unit3(np, _cols(a))), a / np.linalg.norm(a, axis=1)[:, None],
                               rtol=1e-14)
    np.testing.assert_allclose(np.column_stack(v.sub3(_cols(a), _cols(b))), a - b)
    np.testing.assert_allclose(np.column_stack(v.scale3(_cols(a), 2.5)), 2.5 * a)
    np.testing.assert_allclose(np.column_stack(v.neg3(_cols(a))), -a)


def test_four_vector_sums_and_invariants():
    p, m = _random_p4()
    q, _ = _random_p4()
    np.testing.assert_allclose(v.mass(np, _cols(p)), m, rtol=1e-12)
    np.testing.assert_allclose(v.mass2(_cols(p)), m**2, rtol=1e-11)
    total = v.sum4([_cols(p), _cols(q), _cols(p)])
    np.testing.assert_allclose(np.column_stack(total), 2 * p + q, rtol=1e-15)
    np.testing.assert_allclose(np.column_stack(v.sub4(_cols(p), _cols(q))), p - q)
    metric = np.diag([1.0, -1.0, -1.0, -1.0])
    np.testing.assert_allclose(v.dot4(_cols(p), _cols(q)), np.einsum("ni,ij,nj->n", p, metric, q), rtol=1e-12)
    np.testing.assert_allclose(np.column_stack(v.beta(_cols(p))), p[:, 1:] / p[:, :1])


def test_boost_matches_matrix_and_reaches_rest_frame():
    p, m = _random_p4()
    q, _ = _random_p4()
    beta = RNG.normal(size=(N, 3))
    beta *= (RNG.uniform(0.0, 0.99, N) / np.linalg.norm(beta, axis=1))[:, None]
    expected = np.einsum("nij,nj->ni", _lorentz(beta), q)
    got = np.column_stack(v.boost(np, _cols(q), _cols(beta)))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    rest = np.column_stack(v.to_rest_frame(np, _cols(p), _cols(p)))
    np.testing.assert_allclose(rest[:, 0], m, rtol=1e-12)
    np.testing.assert_allclose(rest[:, 1:], 0.0, atol=1e-12 * np.abs(p).max())
    unchanged = np.column_stack(v.boost(np, _cols(q), (np.zeros(N),) * 3))
    assert np.array_equal(unchanged, q)
