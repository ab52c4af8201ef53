"""Progress bars for long work (fits, MCMC, bootstrap, large file loads).

A bar is drawn on stderr only when asked for, when stderr is a terminal and on rank 0; it
is silent otherwise (CI logs, pipes, MPI ranks > 0).

>>> with progress_bar(False, 0, total=3) as bar:
...     bar.disable
True
"""

from __future__ import annotations

import sys
from typing import Any


def progress_bar(show: bool, rank: int, **kwargs: Any) -> Any:
    """A tqdm bar on stderr, disabled unless ``show``, stderr is a terminal and ``rank == 0``."""
    from tqdm.auto import tqdm  # imported here: `import gpu_laddu` works where tqdm is absent

    stream = sys.stderr
    enabled = bool(show) and rank == 0 and hasattr(stream, "isatty") and stream.isatty()
    return tqdm(file=stream, disable=not enabled, dynamic_ncols=True, **kwargs)
