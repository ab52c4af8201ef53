"""The ``cupy`` backend: device-resident arrays on an NVIDIA GPU (the only cupy importer
besides :mod:`gpu_laddu.distributed.nccl`)."""

from __future__ import annotations

from typing import Any

import cupy  # the registry turns an ImportError into a message naming the `cuda` extra
import numpy as np


class CupyBackend:
    """CuPy arrays on the current CUDA device.

    Examples
    --------
    >>> CupyBackend().name  # doctest: +SKIP
    'cupy'
    """

    name = "cupy"
    device_kind = "cuda"

    def __init__(self) -> None:
        self.xp: Any = cupy

    def asarray(self, host: np.ndarray) -> Any:
        return cupy.asarray(host)

    def to_numpy(self, array: Any) -> np.ndarray:
        return cupy.asnumpy(array) if isinstance(array, cupy.ndarray) else np.asarray(array)

    def synchronize(self) -> None:
        cupy.cuda.get_current_stream().synchronize()
