"""Pull panels, bin-width labels, interference curves and multi-variable projection figures."""

import numpy as np
import pytest

from gpu_laddu.errors import DataError
from gpu_laddu.plot import Axis, plot_projection, plot_projections, projection_histograms, pull_values

PNG = b"\x89PNG\r\n\x1a\n"


def test_pull_values_match_their_definition():
    rng = np.random.default_rng(2)
    x, w = rng.uniform(0, 1, 300), rng.uniform(0.5, 1.5, 300)
    xm = rng.uniform(0, 1, 3000)
    h = projection_histograms(x, w, xm, np.full(3000, w.sum() / 3000), bins=8, range=(0, 1))
    edges = np.linspace(0, 1, 9)
    data = np.histogram(x, edges, weights=w)[0]
    err = np.sqrt(np.histogram(x, edges, weights=w**2)[0])
    fit = np.histogram(xm, edges, weights=np.full(3000, w.sum() / 3000))[0]
    np.testing.assert_allclose(pull_values(h), (data - fit) / err, rtol=1e-12)
    empty = projection_histograms([], None, xm, np.ones(3000), bins=4, range=(0, 1))
    assert np.all(pull_values(empty) == 0.0)  # no data error: pull 0, not NaN


def test_figures_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(3)
    m, c, phi = rng.uniform(1, 2, 400), rng.uniform(-1, 1, 400), rng.uniform(-np.pi, np.pi, 400)
    w_s, w_d = rng.uniform(0, 1, 400), rng.uniform(0, 1, 400)
    waves = {"S": w_s, "D": w_d}
    total = w_s + w_d + 0.1 * np.cos(phi)  # an interference term: the waves do not add up alone
    out = plot_projection(m, None, m, total, waves, bins=10, xlabel="m(KsKs)", unit="GeV",
                          path=tmp_path / "one.png")
    assert out.read_bytes()[:8] == PNG
    axes = [Axis("m(KsKs)", m, m, 10, (1.0, 2.0), "GeV"), Axis("cos θ", c, c, 10, (-1.0, 1.0)),
            Axis("φ", phi, phi, 12, (-np.pi, np.pi), "rad"), Axis("Φ", phi, phi, 12, (-np.pi, np.pi), "rad")]
    out = plot_projections(axes, None, total, waves, title="fit", path=tmp_path / "four.png")
    assert out.read_bytes()[:8] == PNG
    with pytest.raises(DataError, match="at least one"):
        plot_projections([], None, total)
    with pytest.raises(DataError, match="columns"):
        plot_projections(axes, None, total, columns=0)
