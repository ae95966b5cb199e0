"""Counter-based random streams (splitmix64) and the exact Bernoulli draw from a 16-bit uniform, u < 1 / s.

Shared by the small-model Gibbs kernels (`pgmviz.sampling.gibbs_kernel`, `gibbs_tables`) and the
fused CD kernel (`pgmviz.sampling.fused`): a stream's state advances by the golden-ratio
increment, and each output is `_mix64` of a state, so any output can be recomputed from its
counter alone.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_U16 = np.uint64(0xFFFF)
_TWO_M53 = 2.0**-53


@njit(cache=True, inline="always")
def _mix64(z):
    """splitmix64's finaliser: a bijection of uint64 that scrambles every input bit into every output bit."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _bit_from_16(hi, s, state):
    """Bernoulli(p = 1/s) from 16 random bits ``hi``, u in [hi, hi + 1) / 2^16; returns (bit, state).

    The bit is 1 if the whole bucket lies below p (d = 2^16 - hi s >= s), 0 if none of it does
    (d <= 0). Otherwise (probability < 2^-16) 37 more bits from the stream make a 53-bit uniform
    u and the bit is u < p: exact to 2^-53 for any p. Written with m = d - s/2 so that both
    tests are one comparison each, as the branch-free kernels write them.
    """
    m = 65536.0 - hi * s - 0.5 * s
    if abs(m) < 0.5 * s:
        state += _GOLDEN
        lo = np.int64(_mix64(state) >> np.uint64(27))
        return np.int64(((hi << 37) | lo) * _TWO_M53 * s < 1.0), state
    return np.int64(m >= 0.5 * s), state
