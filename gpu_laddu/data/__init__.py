"""Events: schema, Arrow ingestion, the device-resident Dataset, readers and writers."""

from gpu_laddu.data.dataset import Dataset, from_numpy

__all__ = ["Dataset", "from_numpy"]
