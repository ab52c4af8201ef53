"""Events: schema, Arrow ingestion, the device-resident Dataset, readers and writers.

Examples
--------
>>> import numpy as np
>>> from gpu_laddu.data import from_dict
>>> from_dict({"pol_angle": np.array([0.1, 0.2])}).n_events_global
2
"""

from gpu_laddu.data.arrow import from_arrow
from gpu_laddu.data.dataset import Dataset, from_numpy
from gpu_laddu.data.ops import BinnedDataset
from gpu_laddu.data.output import concat, write_root
from gpu_laddu.data.parquet import read_parquet, write_parquet
from gpu_laddu.data.readers import from_dict, from_pandas, from_polars
from gpu_laddu.data.root import read_amptools, read_root
from gpu_laddu.data.stream import ParquetStream

__all__ = [
    "BinnedDataset",
    "Dataset",
    "concat",
    "ParquetStream",
    "from_arrow",
    "from_dict",
    "from_numpy",
    "from_pandas",
    "from_polars",
    "read_amptools",
    "read_parquet",
    "read_root",
    "write_parquet",
    "write_root",
]
