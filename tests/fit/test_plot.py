import sys

import numpy as np
import pytest

from gpu_laddu.errors import DataError
from gpu_laddu.plot import plot_projection, projection_histograms

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class DeviceArray:
    """Stands in for a cupy array: numpy conversion only through ``.get()``."""

    def __init__(self, a):
        self._a = np.asarray(a)

    def get(self):
        return self._a

    def __array__(self, *args, **kwargs):
        raise TypeError("implicit conversion to a NumPy array is not allowed")


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(4)
    x_data, w_data = rng.normal(1.0, 0.3, 700), rng.normal(1.0, 0.5, 700)  # negative weights too
    x_mc = rng.uniform(-0.5, 2.5, 5000)
    w_s, w_d = rng.uniform(0, 0.1, 5000), rng.uniform(0, 0.05, 5000)
    return x_data, w_data, x_mc, w_s + w_d, {"S": w_s, "D": w_d}


def test_histograms_match_numpy(sample):
    x_data, w_data, x_mc, w_total, parts = sample
    h = projection_histograms(x_data, w_data, x_mc, w_total, parts, bins=30, range=(0.0, 2.0))
    edges = np.linspace(0.0, 2.0, 31)
    np.testing.assert_array_equal(h.edges, edges)
    np.testing.assert_allclose(h.data, np.histogram(x_data, edges, weights=w_data)[0], rtol=1e-12)
    np.testing.assert_allclose(h.data_error, np.sqrt(np.histogram(x_data, edges, weights=w_data**2)[0]), rtol=1e-12)
    np.testing.assert_allclose(h.total, np.histogram(x_mc, edges, weights=w_total)[0], rtol=1e-12)
    for name, w in parts.items():
        np.testing.assert_allclose(h.components[name], np.histogram(x_mc, edges, weights=w)[0], rtol=1e-12)
    default = projection_histograms(x_data, None, x_mc, w_total, bins=7)
    assert default.edges[0] == min(x_data.min(), x_mc.min()) and default.edges[-1] == max(x_data.max(), x_mc.max())
    np.testing.assert_array_equal(default.data, np.histogram(x_data, default.edges)[0])


def test_device_arrays_are_copied_with_get(sample):
    x_data, w_data, x_mc, w_total, parts = sample
    h = projection_histograms(DeviceArray(x_data), DeviceArray(w_data), DeviceArray(x_mc), DeviceArray(w_total),
                              {"S": DeviceArray(parts["S"])}, bins=10, range=(0, 2))
    ref = projection_histograms(x_data, w_data, x_mc, w_total, {"S": parts["S"]}, bins=10, range=(0, 2))
    np.testing.assert_array_equal(h.data, ref.data)
    np.testing.assert_array_equal(h.components["S"], ref.components["S"])


def test_png_written_with_requested_size(sample, tmp_path):
    import matplotlib.image

    x_data, w_data, x_mc, w_total, parts = sample
    out = plot_projection(x_data, w_data, x_mc, w_total, parts, bins=40, xlabel="m [GeV]", title="toy",
                          path=tmp_path / "proj.png", figsize=(5.0, 3.0), dpi=80)
    assert out == tmp_path / "proj.png"
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    assert matplotlib.image.imread(out).shape[:2] == (240, 400)
    default = plot_projection(x_data, w_data, x_mc, w_total, path=str(tmp_path / "default.png"))
    assert matplotlib.image.imread(default).shape[:2] == (480, 640)


def test_bad_inputs(sample, tmp_path):
    x_data, w_data, x_mc, w_total, parts = sample
    with pytest.raises(DataError, match="data_weights has 699 entries, expected 700"):
        projection_histograms(x_data, w_data[:-1], x_mc, w_total)
    with pytest.raises(DataError, match=r"components\['S'\] has 3 entries"):
        projection_histograms(x_data, w_data, x_mc, w_total, {"S": [1, 2, 3]})
    with pytest.raises(DataError, match="one-dimensional"):
        projection_histograms(x_data.reshape(-1, 2), None, x_mc, w_total)
    with pytest.raises(DataError, match="range"):
        projection_histograms(x_data, w_data, x_mc, w_total, range=(1.0, 1.0))
    with pytest.raises(DataError, match="bins"):
        projection_histograms(x_data, w_data, x_mc, w_total, bins=0)
    with pytest.raises(DataError, match="empty"):
        projection_histograms([], None, [], [])


def test_missing_matplotlib_names_the_extra(sample, tmp_path, monkeypatch):
    x_data, w_data, x_mc, w_total, _ = sample
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"gpu_laddu\[plot\]"):
        plot_projection(x_data, w_data, x_mc, w_total, path=tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
