"""The small-model Gibbs kernel against exact p(v) and conditionals, numpy samplers and a replay of its stream."""

import itertools

import numpy as np
import pytest
from scipy.special import expit

from pgmviz.sampling import gibbs_kernel, gibbs_tables, kernels
from pgmviz.sampling.gibbs_tables import TABLE_H, TABLE_V, table_layers


def _model(n_v, n_h, dtype, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    W = rng.normal(0, scale, (n_v, n_h)).astype(dtype)
    return W, rng.normal(0, 1, n_v).astype(dtype), rng.normal(0, 1, n_h).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_v,n_h", [(16, 8), (20, 10), (5, 3), (9, 17), (3, 40)])
def test_one_sweep_matches_the_exact_conditionals(n_v, n_h, dtype):
    """From a fixed v0: h0 ~ p(h|v0) and E[v1] = sum_h p(h|v0) sigmoid(b + W h), both exactly known."""
    W, b, c = _model(n_v, n_h, dtype)
    v0 = (np.arange(n_v) % 3 == 0).astype(dtype)
    n = 20000
    V1, _ = kernels.gibbs_chains(W, b, c, np.tile(v0, (n, 1)), 1, seed=7)
    _, H0 = kernels.gibbs_chains(W, b, c, np.tile(v0, (n, 1)), 0, seed=8)
    W64, b64, c64 = (x.astype(np.float64) for x in (W, b, c))
    p_h = expit(c64 + v0 @ W64)
    sd_h = np.sqrt(p_h * (1 - p_h) / n) + 1e-4
    assert np.all(np.abs(H0.mean(axis=0) - p_h) < 5 * sd_h)
    # E[v1] by enumerating h when small, else by the law of total expectation over many h draws.
    if n_h <= 12:
        Hs = np.array(list(itertools.product([0, 1], repeat=n_h)), float)
        w = np.prod(np.where(Hs == 1, p_h, 1 - p_h), axis=1)
        e_v1 = w @ expit(b64 + Hs @ W64.T)
    else:
        Hs = (np.random.default_rng(9).random((200000, n_h)) < p_h).astype(float)
        e_v1 = expit(b64 + Hs @ W64.T).mean(axis=0)
    sd_v = np.sqrt(e_v1 * (1 - e_v1) / n) + 1e-3
    assert np.all(np.abs(V1.mean(axis=0) - e_v1) < 5 * sd_v)
    assert V1.dtype == dtype and set(np.unique(V1)) <= {0, 1}


def test_long_chains_match_numpy_block_gibbs():
    """Equilibrium unit means of the kernel and of a batched numpy sampler agree (16 x 8 model)."""
    W, b, c = _model(16, 8, np.float32, seed=1)
    V0 = np.zeros((4000, 16), np.float32)
    V_k, H_k = kernels.gibbs_chains(W, b, c, V0, 200, seed=3)
    rng = np.random.default_rng(4)
    V = V0.astype(np.float64)
    for _ in range(200):
        H = (rng.random((4000, 8)) < expit(V @ W + c)).astype(float)
        V = (rng.random((4000, 16)) < expit(H @ W.T + b)).astype(float)
    assert np.abs(V_k.mean(axis=0) - V.mean(axis=0)).max() < 0.05


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,tables", [(300, TABLE_V), (4000, TABLE_H | TABLE_V)])
def test_deterministic_and_identical_serial_and_parallel(dtype, n, tables):
    W, b, c = _model(16, 8, dtype)
    assert table_layers(16, 8, n, 20) == tables  # v|h from its table; with 4000 chains h|v too
    V0 = (np.random.default_rng(0).random((n, 16)) < 0.5).astype(dtype)
    a = kernels.gibbs_chains(W, b, c, V0, 20, seed=5, parallel=False)
    p = kernels.gibbs_chains(W, b, c, V0, 20, seed=5, parallel=True)
    d = kernels.gibbs_chains(W, b, c, V0, 20, seed=6, parallel=False)
    assert all(np.array_equal(x, y) for x, y in zip(a, p))
    assert not np.array_equal(a[0], d[0])
    # Each chain has its own stream: chain r does not depend on how many chains run beside it.
    assert all(np.array_equal(x[:10], y) for x, y in zip(a, kernels.gibbs_chains(W, b, c, V0[:10], 20, seed=5)))


# ---------------------------------------------------------------- the kernel's own stream, replayed in Python
_MASK = (1 << 64) - 1
_G, _M1, _M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _mix(z):
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def _draw(e, state):
    """One layer as the kernel draws it: 16-bit lanes against 1/(1 + e), refined to 53 bits when undecided."""
    n_words = (len(e) + 3) // 4
    words = [_mix((state + (w + 1) * _G) & _MASK) for w in range(n_words)]
    state = (state + n_words * _G) & _MASK
    bits, undecided = [], []
    for j, ej in enumerate(e):
        hi = (words[j >> 2] >> (16 * (j & 3))) & 0xFFFF
        s = 1.0 + ej
        m = 65536.0 - hi * s - 0.5 * s
        bits.append(int(m >= 0.5 * s))
        undecided.append(abs(m) < 0.5 * s)
    for j, und in enumerate(undecided):
        if und:
            state = (state + _G) & _MASK
            lo = _mix(state) >> 27
            hi = (words[j >> 2] >> (16 * (j & 3))) & 0xFFFF
            bits[j] = int(((hi << 37) | lo) * 2.0**-53 * (1.0 + e[j]) < 1.0)
    return np.array(bits, float), state


def _replay(W, b, c, V0, k, seed):
    W, b, c = (np.asarray(x, np.float64) for x in (W, b, c))
    base = _mix((seed * _G + 1) & _MASK)
    V_out, H_out = [], []
    for r, v in enumerate(V0.astype(np.float64)):
        state = _mix(base ^ ((r * _M2) & _MASK))
        h, state = _draw(np.exp(-(c + v @ W)), state)
        for _ in range(k):
            v, state = _draw(np.exp(-(b + W @ h)), state)
            h, state = _draw(np.exp(-(c + v @ W)), state)
        V_out.append(v)
        H_out.append(h)
    return np.array(V_out), np.array(H_out)


@pytest.mark.parametrize("n_v,n_h", [(16, 8), (5, 3), (9, 17)])
def test_samples_equal_a_python_replay_of_the_stream(n_v, n_h):
    """Exact: the kernel's bits are the documented algorithm's (splitmix64 per chain, 16-bit lanes, refinement)."""
    W, b, c = _model(n_v, n_h, np.float64, seed=3)
    V0 = (np.random.default_rng(1).random((12, n_v)) < 0.5).astype(float)
    V, H = kernels.gibbs_chains(W, b, c, V0, 4, seed=11, parallel=False)
    V_ref, H_ref = _replay(W, b, c, V0, 4, 11)
    assert np.array_equal(V, V_ref) and np.array_equal(H, H_ref)


def test_replay_covers_the_refinement():
    """p = 0 and p = 1 exactly (e = inf impossible, so use huge |x|): every lane with hi at the edge refines."""
    W = np.zeros((1, 8))
    c = np.array([-40.0, 40.0, 0.0, -9.0, 9.0, -20.0, 20.0, 1.0])
    V0 = np.zeros((3000, 1))
    _, H = kernels.gibbs_chains(W, np.zeros(1), c, V0, 0, seed=2, parallel=False)
    _, H_ref = _replay(W, np.zeros(1), c, V0[:200], 0, 2)
    assert np.array_equal(H[:200], H_ref)
    assert H[:, 0].sum() == 0 and H[:, 1].sum() == 3000


def _exact_p_v(W, b, c):
    from pgmviz.models.rbm import RBM
    from pgmviz.sampling.partition import all_states

    states = all_states(W.shape[0])
    logp = -RBM(W, b, c).free_energy(states)
    p = np.exp(logp - logp.max())
    return states, p / p.sum()


_BOTH = TABLE_H | TABLE_V


@pytest.mark.parametrize("n_v,n_h,dtype,tables", [(4, 3, np.float64, _BOTH), (9, 2, np.float32, _BOTH),
                                                  (6, 10, np.float32, _BOTH), (5, 20, np.float32, TABLE_H)])
def test_equilibrium_matches_exact_p_v(n_v, n_h, dtype, tables):
    """Total variation between the chains' final v and the exact p(v) (enumerated), fixed seed.

    Both layers from full tables, or (5 x 20) h|v from its table and v|h from byte tables; the
    byte path draws the same bits as the tables (test_every_path_draws_the_same_bits)."""
    W, b, c = _model(n_v, n_h, np.float64, seed=5)
    states, p = _exact_p_v(W, b, c)
    n = 200_000
    assert table_layers(n_v, n_h, n, 50) == tables
    V0 = np.zeros((n, n_v), dtype)
    V, _ = kernels.gibbs_chains(W.astype(dtype), b.astype(dtype), c.astype(dtype), V0, 50, seed=9)
    idx = V.astype(np.int64) @ (1 << np.arange(n_v - 1, -1, -1))
    freq = np.bincount(idx, minlength=2**n_v) / n
    tv = 0.5 * np.abs(freq - p).sum()
    noise = 0.5 * np.sqrt(2 * p * (1 - p) / (np.pi * n)).sum()  # E[TV] of n exact samples (normal approx.)
    assert tv < 1.5 * noise + 0.003, (tv, noise)


def test_probabilities_below_two_to_the_minus_16_are_drawn_exactly():
    """p = 1e-5 < 2^-16: plain 16-bit uniforms would give 2^-16 = 1.53e-5 (244 ones where 160 are expected)."""
    p = 1e-5
    c = np.full(8, np.log(p / (1 - p)))
    n = 2_000_000
    _, H = kernels.gibbs_chains(np.zeros((1, 8)), np.zeros(1), c, np.zeros((n, 1)), 0, seed=4)
    _, H1 = kernels.gibbs_chains(np.zeros((1, 8)), np.zeros(1), -c, np.zeros((n, 1)), 0, seed=5)
    mean, sd = 8 * n * p, np.sqrt(8 * n * p)
    assert abs(H.sum() - mean) < 5 * sd, H.sum()
    assert abs((1 - H1).sum() - mean) < 5 * sd, (1 - H1).sum()


def test_huge_weights_take_the_plain_path_and_stay_exact():
    """Partial sums of +-400 per byte group would overflow exp tables' products (inf * 0): the kernel sums instead."""
    n_v, n_h = 16, 3
    W = np.zeros((n_v, n_h))
    W[:8, 0], W[8:, 0] = 50.0, -50.0 + 0.3 / 8  # v = 1: x_0 = 400 - 400 + 0.3
    W[:, 1] = 0.1
    c = np.array([0.0, -1.0, 0.5])
    from pgmviz.sampling.gibbs_kernel import _byte_tables, _exp_tables

    assert not _exp_tables(_byte_tables(W, c))[1]
    n = 100_000
    _, H = kernels.gibbs_chains(W, np.zeros(n_v), c, np.ones((n, n_v)), 0, seed=1)
    p = expit(c + np.ones(n_v) @ W)
    assert np.all(np.abs(H.mean(axis=0) - p) < 5 * np.sqrt(p * (1 - p) / n))


def test_chains_are_independent():
    """A model with p = 1/2 everywhere: every bit of every chain a fair coin, neighbouring chains uncorrelated."""
    n, n_v, n_h = 20_000, 16, 8
    V, H = kernels.gibbs_chains(np.zeros((n_v, n_h)), np.zeros(n_v), np.zeros(n_h), np.zeros((n, n_v)), 3, seed=0)
    X = np.hstack([V, H]) * 2 - 1  # +-1
    assert np.abs(X.mean(axis=0)).max() < 5 / np.sqrt(n)
    # Chain r against chain r + 1 (the streams' seeds are neighbours): correlation of each unit.
    corr = (X[:-1] * X[1:]).mean(axis=0)
    assert np.abs(corr).max() < 5 / np.sqrt(n)
    # Units within a chain (lanes of one 64-bit random): no correlation either.
    within = (X.T @ X) / n - np.eye(n_v + n_h)
    assert np.abs(within).max() < 5 / np.sqrt(n)


def test_serial_and_parallel_twins_have_their_own_cache_files():
    """numba keys its cache by qualname and bytecode, not by parallel=True: one name would mix the twins' code."""
    pairs = [(gibbs_kernel._gibbs_kernel, gibbs_kernel._gibbs_kernel_par),
             (kernels._log_Z_gray_serial, kernels._log_Z_gray_par),
             (kernels._log_Z_softplus_serial, kernels._log_Z_softplus_par)]
    for serial, parallel in pairs:
        assert serial.py_func.__code__ is parallel.py_func.__code__  # one body
        assert not serial.targetoptions.get("parallel") and parallel.targetoptions.get("parallel")
        assert serial._cache._cache_file._index_name != parallel._cache._cache_file._index_name


def test_importing_kernels_leaves_the_threading_layer_alone():
    import subprocess
    import sys

    code = ("import numba; before = numba.config.THREADING_LAYER; import pgmviz.sampling.kernels; "
            "assert numba.config.THREADING_LAYER == before, numba.config.THREADING_LAYER")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_the_parallel_twin_runs_a_parallel_region_and_the_serial_one_does_not():
    """In a fresh process (code loaded from numba's cache if present): only the parallel twin starts threads."""
    import subprocess
    import sys

    code = """
import numba, numpy as np
from pgmviz.sampling import gibbs_kernel as g
args = (np.zeros((4, 2)), np.zeros(4), np.zeros(2), np.zeros((64, 4)), 1, 0)
g._gibbs_kernel(*args)
try:
    numba.threading_layer()
    raise SystemExit("the serial twin ran a parallel region")
except ValueError:
    pass
g._gibbs_kernel_par(*args)
print(numba.threading_layer())
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout
    assert proc.stdout.strip() in {"workqueue", "omp", "tbb"}


# ---------------------------------------------------------------- full threshold tables (gibbs_tables)
def test_thresholds_decide_every_16_bit_draw_as_the_byte_kernel_does():
    """For each s = 1/p: hi < t exactly where the byte kernel's bit is surely 1, and only hi == min(t, 2^16 - 1)
    can need its rule (equal, or undecided: refined), by brute force over all 2^16 values of hi."""
    rng = np.random.default_rng(0)
    grid = np.arange(1, 65536) / 65536.0  # p on the bucket edges, where t is exactly 2^16 p
    p = np.concatenate([grid[::997], np.nextafter(grid[::1009], 0), np.nextafter(grid[::1013], 1),
                        rng.random(300), [1.0, 1 - 1e-17, 1 - 2**-17, 2**-17, 1e-5, 1e-300, 1e-17]])
    hi = np.arange(65536, dtype=np.int64)
    s_values = list(1.0 / p) + [np.inf, np.nan]
    for s in s_values:
        with np.errstate(invalid="ignore"):  # 0 * inf: NaN, as in the kernel
            m = 65536.0 - hi * s - 0.5 * s
        sure_one, undecided = m >= 0.5 * s, np.abs(m) < 0.5 * s
        t = gibbs_tables._threshold(s)
        assert np.array_equal(sure_one, hi < t), s
        stored = min(t, 65535)
        assert not undecided[hi != stored].any(), s  # the fast compare never skips a refinement
        assert not sure_one[hi > stored].any(), s
    assert gibbs_tables._threshold(1.0) == 65536 and gibbs_tables._threshold(np.nan) == 0


def test_table_choice_per_layer_and_its_boundaries():
    """A layer takes its table when its input has <= 16 bits, the table <= 2 MiB, and the call draws it once a row."""
    assert table_layers(16, 8, 16384, 3) == TABLE_H | TABLE_V  # 16384 * (3 + 1) = 2^16 h draws: the rows
    assert table_layers(16, 8, 16383, 3) == TABLE_V
    assert table_layers(16, 8, 85, 3) == 0 and table_layers(16, 8, 86, 3) == TABLE_V  # 3 * 86 >= 256
    assert table_layers(17, 8, 10**9, 3) == TABLE_V  # 17 input bits: byte tables for h
    assert table_layers(8, 17, 10**9, 3) == TABLE_H
    assert table_layers(16, 16, 10**9, 3) == TABLE_H | TABLE_V  # 2^16 rows x 2 chunks x 16 B = 2 MiB
    assert table_layers(16, 17, 10**9, 3) == 0  # a 3 MiB h-table is over FULL_TABLE_MAX_BYTES; v has 17 bits
    assert table_layers(4, 4, 10**6, 0) == TABLE_H  # k = 0 never draws v


@pytest.mark.parametrize("n_v,n_h,scale,k,sizes", [
    (16, 8, 1.0, 3, (85, 300, 16384)),  # bytes, v|h tables, both
    (16, 8, 1.0, 3, (16383, 16384)),  # the h-table boundary
    (8, 100, 0.5, 3, (20, 100)),  # a wide layer from its table (13 chunks), v|h from bytes
    (100, 8, 0.5, 3, (20, 100)),
    (3, 16, 200.0, 3, (1, 3, 22000)),  # weights in the hundreds: the byte tables sum, no exp products
    (13, 5, 20.0, 9, (3, 1001)),
])
def test_every_path_draws_the_same_bits(n_v, n_h, scale, k, sizes):
    """Chain r's samples depend on the seed and r only: the first rows agree whichever path each call's size chose."""
    W, b, c = _model(n_v, n_h, np.float64, seed=2, scale=scale)
    V0 = (np.random.default_rng(3).random((max(sizes), n_v)) < 0.5).astype(np.float64)
    paths = {table_layers(n_v, n_h, n, k) for n in sizes}
    assert len(paths) == len(sizes)  # each size takes a different path
    runs = [kernels.gibbs_chains(W, b, c, V0[:n], k, seed=4, parallel=False) for n in sizes]
    m = min(sizes)
    for V, H in runs[1:]:
        assert np.array_equal(V[:m], runs[0][0]) and np.array_equal(H[:m], runs[0][1])


def test_nan_weights_draw_the_same_bits_on_every_path():
    """A NaN input draws 0 (the byte kernel's compares are false), an all-zero input sees only the bias."""
    W = np.full((6, 4), np.nan)
    assert table_layers(6, 4, 2, 3) == 0 and table_layers(6, 4, 500, 3) == TABLE_H | TABLE_V
    V0 = np.ones((500, 6))
    small, large = (kernels.gibbs_chains(W, np.zeros(6), np.zeros(4), V0[:n], 3, seed=1) for n in (2, 500))
    assert all(np.array_equal(x, y[:2]) for x, y in zip(small, large))
    V, H = large
    assert H.any() and V.any()  # an all-zero h leaves p(v | h) = sigmoid(b) = 1/2
    _, H1 = kernels.gibbs_chains(W, np.zeros(6), np.zeros(4), V0, 0, seed=1)
    assert not H1.any()  # v all ones: every x_j is NaN


def _replay_constant_p(seed, n, e_h, e_v, k):
    """The stream replayed for W = 0 (p independent of the state), all n chains at once in numpy uint64 arithmetic."""
    G, M1, M2 = (np.uint64(x) for x in (_G, _M1, _M2))

    def mix(z):
        z = (z ^ (z >> np.uint64(30))) * M1
        z = (z ^ (z >> np.uint64(27))) * M2
        return z ^ (z >> np.uint64(31))

    def draw(e, state):
        n_words = (len(e) + 3) // 4
        words = mix(state[:, None] + np.arange(1, n_words + 1, dtype=np.uint64) * G)
        j = np.arange(len(e))
        hi = ((words[:, j >> 2] >> (np.uint64(16) * (j & 3).astype(np.uint64))) & np.uint64(0xFFFF)).astype(np.int64)
        s = 1.0 + e
        m = 65536.0 - hi * s - 0.5 * s
        bits, undecided = m >= 0.5 * s, np.abs(m) < 0.5 * s
        state = state + np.uint64(n_words * _G & _MASK)  # uint64 arrays wrap mod 2^64, as the kernel's do
        order = np.cumsum(undecided, axis=1).astype(np.uint64)  # the i-th refinement uses state + i G
        lo = (mix(state[:, None] + order * G) >> np.uint64(27)).astype(np.int64)
        refined = ((hi << 37) | lo) * 2.0**-53 * s < 1.0
        refinements[0] += int(undecided.sum())
        return np.where(undecided, refined, bits).astype(float), state + order[:, -1] * G

    refinements = [0]
    base = np.uint64(_mix((seed * _G + 1) & _MASK))
    state = mix(base ^ (np.arange(n, dtype=np.uint64) * M2))
    V, (H, state) = None, draw(e_h, state)
    for _ in range(k):
        V, state = draw(e_v, state)
        H, state = draw(e_h, state)
    return V, H, refinements[0]


@pytest.mark.parametrize("n_v,k,tables", [(1, 0, TABLE_H), (2, 1, TABLE_H | TABLE_V)])
def test_tables_replay_exactly_through_hundreds_of_refinements(n_v, k, tables):
    """p = 1e-5 (h) and 1 - 1e-5 (v): every draw whose 16 bits hit the threshold is refined (~2^-16 of them)."""
    n, n_h = 1_000_000, 8
    c = np.full(n_h, np.log(1e-5 / (1 - 1e-5)))
    b = -np.full(n_v, np.log(1e-5 / (1 - 1e-5)))
    assert table_layers(n_v, n_h, n, k) == tables
    V, H = kernels.gibbs_chains(np.zeros((n_v, n_h)), b, c, np.zeros((n, n_v)), k, seed=6)
    V_ref, H_ref, refinements = _replay_constant_p(6, n, np.exp(-c), np.exp(-b), k)
    assert np.array_equal(H, H_ref)
    if k:
        assert np.array_equal(V, V_ref)
    assert refinements > 60 * (2 * k + 1)  # ~122 an h draw of 8 M units, ~30 a v draw of 2 M
