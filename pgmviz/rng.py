"""Seeds in, ``numpy.random.Generator`` out: the one rule for randomness in pgmviz.

Every function that samples takes ``rng``: an int seed, a Generator, or None (fresh entropy).
The same seed gives the same result, which the tests rely on.
"""

from __future__ import annotations

import numpy as np

RngLike = "int | np.random.Generator | None"


def as_rng(rng: int | np.random.Generator | None) -> np.random.Generator:
    """Return a Generator: pass one through, or build one from a seed."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be an int seed, a numpy Generator or None, not {type(rng).__name__}")


def kernel_seed(rng: np.random.Generator) -> int:
    """Draw a seed for a Numba kernel, whose random stream is separate from NumPy's."""
    return int(rng.integers(0, 2**31 - 1))
