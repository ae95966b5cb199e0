"""Fantasy chains: what is recorded, that it is reproducible, and that a long chain samples p(v).

The sampler is checked against the exact p(v) of a tiny RBM (all 2^n_v states enumerated) by
the total variation distance between visit frequencies and probabilities, with fixed seeds.
"""


import numpy as np
import pytest

from pgmviz.models.rbm import RBM
from pgmviz.sampling import chains
from pgmviz.sampling.partition import all_states, log_p_v_all

from .exact import random_rbm


@pytest.fixture(scope="module")
def tiny() -> RBM:
    # strong enough weights that p(v) is far from uniform (checked below), so the test has power
    return random_rbm(np.random.default_rng(7), 5, 3, scale=1.5)


@pytest.fixture(scope="module")
def digits_rbm() -> RBM:
    return RBM.random(16, 6, seed=1, sigma=0.5)


def state_index(V: np.ndarray) -> np.ndarray:
    """Row index in `all_states` order (unit 0 most significant)."""
    n_v = V.shape[-1]
    return (V.astype(np.int64) << np.arange(n_v - 1, -1, -1)).sum(axis=-1)


def total_variation(counts: np.ndarray, p: np.ndarray) -> float:
    return 0.5 * float(np.abs(counts / counts.sum() - p).sum())


# --- start states --------------------------------------------------------------------------------
def test_start_noise_is_binary_at_the_base_rate():
    V = chains.start_noise(2000, 10, rng=0, p=0.2)
    assert V.shape == (2000, 10) and set(np.unique(V)) <= {0.0, 1.0}
    assert abs(V.mean() - 0.2) < 0.02
    rate = np.linspace(0, 1, 10)  # one base rate per pixel
    V = chains.start_noise(2000, 10, rng=0, p=rate)
    np.testing.assert_allclose(V.mean(axis=0), rate, atol=0.04)
    assert (V[:, 0] == 0).all() and (V[:, -1] == 1).all()
    with pytest.raises(ValueError, match="base rate"):
        chains.start_noise(3, 4, p=1.5)


def test_start_data_picks_rows_of_the_data():
    X = np.eye(6, dtype=np.float32)
    V = chains.start_data(X, 4, rng=0)
    assert V.shape == (4, 6)
    assert len({tuple(r) for r in V}) == 4  # without replacement while there are enough rows
    assert all(any((r == x).all() for x in X) for r in V)
    assert chains.start_data(X, 20, rng=0).shape == (20, 6)  # with replacement beyond that
    with pytest.raises(ValueError):
        chains.start_data(X[:0], 3)


def test_start_image_from_a_drawing():
    img = np.zeros((200, 200, 4), np.uint8)  # white strokes on a transparent canvas, like st_canvas
    img[40:160, 90:110] = 255                # a "1"
    V = chains.start_image(img, (16, 16), 3)
    assert V.shape == (3, 256) and set(np.unique(V)) == {0.0, 1.0}
    assert (V == V[0]).all()
    col = V[0].reshape(16, 16).sum(axis=0)
    assert col[6:10].sum() > 0.8 * col.sum()  # the stroke stays in the middle columns
    assert chains.start_image(img, (28, 28), 1).shape == (1, 784)
    with pytest.raises(ValueError, match="square"):
        chains.start_image(img, (1, 100), 1)
    with pytest.raises(ValueError, match="no digit"):
        chains.start_image(np.zeros((50, 50)), (28, 28), 1)


# --- the record ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n_steps, every, frames", [(10, 1, 11), (10, 5, 3), (10, 3, 5), (0, 4, 1), (7, 100, 2)])
def test_shapes_and_frame_count(digits_rbm, n_steps, every, frames):
    V0 = chains.start_noise(3, digits_rbm.n_v, rng=0)
    rec = chains.run_chains(digits_rbm, V0, n_steps, every, rng=0)
    assert rec.n_frames == frames and rec.n_chains == 3 and rec.n_steps == n_steps
    assert rec.V.shape == rec.P_v.shape == (frames, 3, 16)
    assert rec.H.shape == (frames, 3, 6)
    assert rec.free_energy.shape == (n_steps + 1, 3)
    assert rec.steps[0] == 0 and rec.steps[-1] == n_steps
    assert (np.diff(rec.steps)[:-1] == every).all()
    np.testing.assert_array_equal(rec.V[0], V0)  # frame 0 is the start
    assert set(np.unique(rec.V)) <= {0, 1} and set(np.unique(rec.H)) <= {0, 1}


def test_recorded_means_are_p_v_given_the_recorded_h(digits_rbm):
    rec = chains.run_chains(digits_rbm, chains.start_noise(4, 16, rng=1), 20, 4, rng=1)
    for f in range(rec.n_frames):
        np.testing.assert_allclose(rec.P_v[f], digits_rbm.p_v_given_h(rec.H[f]), atol=1e-3)  # float16


def test_same_seed_same_chains(digits_rbm):
    V0 = chains.start_noise(5, 16, rng=3)
    a = chains.run_chains(digits_rbm, V0, 30, 3, rng=42)
    b = chains.run_chains(digits_rbm, V0, 30, 3, rng=42)
    c = chains.run_chains(digits_rbm, V0, 30, 3, rng=43)
    for name in ("V", "P_v", "H", "free_energy", "steps"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.V, c.V)


def test_free_energy_recorded_equals_the_models(digits_rbm):
    rec = chains.run_chains(digits_rbm, chains.start_noise(6, 16, rng=0), 25, 1, rng=0)
    for f, t in enumerate(rec.steps):  # every step has a frame here, so every F can be checked
        np.testing.assert_allclose(rec.free_energy[t], digits_rbm.free_energy(rec.V[f]), rtol=1e-6)
        np.testing.assert_allclose(rec.frame_free_energy(f), rec.free_energy[t])


def test_free_energy_recorded_for_float64_models():
    rbm = random_rbm(np.random.default_rng(0), 8, 4)
    rec = chains.run_chains(rbm, chains.start_noise(3, 8, rng=0), 12, 3, rng=0)
    for f, t in enumerate(rec.steps):
        np.testing.assert_allclose(rec.free_energy[t], rbm.free_energy(rec.V[f]), rtol=1e-12)


def test_start_states_must_be_binary(digits_rbm):
    with pytest.raises(ValueError, match="binary"):
        chains.run_chains(digits_rbm, np.full((2, 16), 0.5), 3)
    with pytest.raises(ValueError, match="shape"):
        chains.run_chains(digits_rbm, np.zeros((2, 15)), 3)


@pytest.mark.parametrize("kwargs", [dict(n_steps=-1), dict(every=0), dict(every=1.5)])
def test_bad_step_settings_raise(digits_rbm, kwargs):
    args = dict(n_steps=5, every=1) | kwargs
    with pytest.raises(ValueError):
        chains.run_chains(digits_rbm, np.zeros((2, 16)), **args)


def test_progress_is_reported_up_to_the_end(digits_rbm):
    seen = []
    chains.run_chains(digits_rbm, np.zeros((2, 16)), 500, 50, rng=0, progress=lambda t, T: seen.append((t, T)))
    assert 50 <= len(seen) <= 110
    assert seen[-1] == (500, 500) and all(T == 500 for _, T in seen)
    assert [t for t, _ in seen] == sorted(t for t, _ in seen)


def test_p_v_is_far_from_uniform(tiny):
    p = np.exp(log_p_v_all(tiny))
    assert abs(p.sum() - 1) < 1e-9
    assert total_variation(np.ones_like(p), p) > 0.25


def test_one_long_chain_visits_states_with_the_exact_frequencies(tiny):
    p = np.exp(log_p_v_all(tiny))
    rec = chains.run_chains(tiny, np.zeros((1, tiny.n_v)), 30_000, 1, rng=2024)
    visits = state_index(rec.V[100:, 0])  # drop a short burn-in
    counts = np.bincount(visits, minlength=len(p))
    tv = total_variation(counts, p)
    assert tv < 0.03, tv


def test_many_chains_pooled_match_p_v_and_the_start_does_not(tiny):
    p = np.exp(log_p_v_all(tiny))
    rec = chains.run_chains(tiny, chains.start_noise(4000, tiny.n_v, rng=5), 200, 20, rng=5)
    start = np.bincount(state_index(rec.V[0]).ravel(), minlength=len(p))
    end = np.bincount(state_index(rec.V[1:]).ravel(), minlength=len(p))  # steps 20, 40, ..., 200
    assert total_variation(end, p) < 0.02
    assert total_variation(start, p) > 0.2  # uniform noise is not the model: the chains moved
    # and the free energies are those of the states visited: F(v) = -log p(v) - log Z
    F_exact = tiny.free_energy(all_states(tiny.n_v))
    np.testing.assert_allclose(rec.free_energy[rec.steps[-1]], F_exact[state_index(rec.V[-1])], rtol=1e-10)


# --- the memory cap ------------------------------------------------------------------------------
def test_the_cap_raises_with_a_clear_message():
    big = RBM.random(784, 500, seed=0)
    V0 = np.zeros((100, 784))
    with pytest.raises(ValueError, match="Too much to record") as e:
        chains.run_chains(big, V0, 100_000, 1)
    assert "limit" in str(e.value) and "m >=" in str(e.value)
    # the suggested m fits
    m = int(str(e.value).split("m >= ")[1].split(" ")[0])
    assert chains.check_request(100, 784, 500, 100_000, m) <= chains.MAX_RECORDED_VALUES // (100 * 1284)


def test_the_free_energy_cap_raises():
    with pytest.raises(ValueError, match="Too many steps"):
        chains.check_request(1000, 4, 2, 10**6, 10**6)


def test_a_request_under_the_cap_is_accepted():
    assert chains.check_request(100, 784, 500, 1000, 10) == 101
