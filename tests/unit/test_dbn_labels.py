"""Label units on top of a DBN (pgmviz.models.labels, pgmviz.models.dbn): the softmax group, exact free-energy
classification against brute force, label-clamped generation, and the .npz round trip."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pgmviz.models import dbn, dbn_io
from pgmviz.models.labels import LabelRBM, one_hot, softmax
from pgmviz.models.rbm import RBM
from pgmviz.training import greedy
from pgmviz.training.train import TrainSettings

K = 4  # labels in the small models


def small_label_rbm(n_x: int = 5, n_h: int = 3, seed: int = 0) -> LabelRBM:
    rng = np.random.default_rng(seed)
    n_v = n_x + K
    return LabelRBM(rng.normal(0, 1, (n_v, n_h)), rng.normal(0, 1, n_v), rng.normal(0, 1, n_h), n_labels=K)


def test_label_group_is_a_softmax_and_samples_one_hot():
    r = small_label_rbm()
    H = np.random.default_rng(1).integers(0, 2, (500, r.n_h)).astype(float)
    P = r.p_v_given_h(H)
    np.testing.assert_allclose(P[:, -K:].sum(axis=1), 1.0, rtol=1e-12)
    V = r.sample_v(H, rng=2)
    np.testing.assert_array_equal(V[:, -K:].sum(axis=1), 1.0)
    assert set(np.unique(V)) <= {0.0, 1.0}
    # one h, many draws: the label frequencies match the softmax
    h = np.repeat(H[:1], 20000, axis=0)
    freq = r.sample_v(h, rng=3)[:, -K:].mean(axis=0)
    np.testing.assert_allclose(freq, P[0, -K:], atol=0.015)
    # the Gibbs chain keeps the group one-hot too
    V2, _ = r.gibbs(V[:50], k=3, rng=4)
    np.testing.assert_array_equal(V2[:, -K:].sum(axis=1), 1.0)


def test_free_energy_classification_equals_brute_force():
    r = small_label_rbm()
    X = np.random.default_rng(5).random((7, r.n_x))
    F = r.label_free_energies(X)
    for i, k in itertools.product(range(len(X)), range(K)):
        v = np.concatenate([X[i], one_hot([k], K, np.float64)[0]])
        assert F[i, k] == pytest.approx(float(r.free_energy(v[None])[0]), rel=1e-10)
    # p(y | x) by summing exp(-E) over every top hidden state h and every label
    Hs = np.array(list(itertools.product([0, 1], repeat=r.n_h)), dtype=float)
    for i in range(len(X)):
        joint = np.zeros(K)
        for k in range(K):
            v = np.concatenate([X[i], one_hot([k], K, np.float64)[0]])
            joint[k] = np.exp(-r.energy(np.repeat(v[None], len(Hs), 0), Hs)).sum()
        np.testing.assert_allclose(r.p_y_given_x(X[i:i + 1])[0], joint / joint.sum(), rtol=1e-9)
        assert r.p_y_given_x(X[i:i + 1]).argmax() == np.argmin(F[i])


def toy_data(n_per: int = 60, seed: int = 0):
    """Four classes of 16-pixel patterns: class k has its own block of 4 pixels on, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(K), n_per)
    X = (rng.random((len(y), 16)) < 0.05).astype(np.float32)
    for k in range(K):
        X[y == k, 4 * k: 4 * k + 4] = (rng.random(((y == k).sum(), 4)) < 0.95)
    return X, y


@pytest.fixture(scope="module")
def labelled_net():
    X, y = toy_data()
    s = TrainSettings(lr=0.1, momentum=0.5, weight_decay=0.0, batch_size=20, seed=0)
    g = greedy.GreedyTrainer([16, 12, 12, 20], X, s, labels=y, n_labels=K)
    net = g.train_all(600)
    assert g.layer_data(2).shape == (len(X), 12 + K)  # labels appended to the top layer only
    assert g.layer_data(1).shape == (len(X), 12)
    return net, X, y


def test_greedy_with_labels_builds_a_label_top(labelled_net):
    net, X, y = labelled_net
    assert isinstance(net.rbms[-1], LabelRBM) and net.n_labels == K
    assert net.rbms[-1].n_v == 12 + K and net.sizes == [16, 12, 12, 20]
    p = net.classify(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert (p.argmax(axis=1) == y).mean() > 0.9
    # the lecture's recognition (a few Gibbs iterations) agrees with the exact answer mostly
    p_T = net.classify(X, T=20, rng=0)
    assert (p_T.argmax(axis=1) == p.argmax(axis=1)).mean() > 0.8


def test_clamped_generation_keeps_the_label_and_is_recognised(labelled_net):
    net, X, y = labelled_net
    for k in range(K):
        layers = net.generate(50, 40, rng=k, clamp_labels=k)
        V = layers[0]
        assert V.shape == (40, 16)
        assert (net.classify(V).argmax(axis=1) == k).mean() > 0.7
    chain = net.top_chain(4, 10, n=8, rng=0, clamp_labels=np.arange(8) % K)
    assert chain.images.shape == (4, 8, 16) and chain.p_y.shape == (4, 8, K)
    np.testing.assert_allclose(chain.p_y.sum(axis=2), 1.0, rtol=1e-5)
    # "what is on its mind": from random pixels, the free chain reads out a distribution over labels
    mind = net.fantasy_from_pixels(np.random.default_rng(0).random((3, 16)), 3, 5, rng=1)
    assert mind.images.shape == (3, 3, 16)
    np.testing.assert_array_equal(mind.steps, [0, 5, 10])


def test_save_and_load_round_trip(labelled_net, tmp_path):
    net, X, _ = labelled_net
    path = tmp_path / "net.npz"
    dbn_io.save_dbn(path, net, {"title": "toy", "test_error": np.float64(0.25)})
    with np.load(path, allow_pickle=False) as f:  # plain arrays only
        assert "W2" in f.files
    net2, meta = dbn_io.load_dbn(path)
    assert meta["title"] == "toy" and meta["test_error"] == 0.25 and meta["sizes"] == net.sizes
    assert isinstance(net2.rbms[-1], LabelRBM) and net2.n_labels == K
    for a, b in zip(net.rbms, net2.rbms):
        np.testing.assert_array_equal(a.W, b.W)
        np.testing.assert_array_equal(a.b, b.b)
        np.testing.assert_array_equal(a.c, b.c)
    np.testing.assert_array_equal(net.classify(X), net2.classify(X))
    with pytest.raises(ValueError):
        dbn_io.load_dbn(b"not a zip file")


def test_unlabelled_dbn_unchanged_and_rejects_label_calls():
    r1 = RBM.random(6, 4, seed=0)
    r2 = RBM.random(4, 3, seed=1)
    net = dbn.DBN([r1, r2])
    assert net.n_labels == 0 and len(net.up_pass(np.zeros((2, 6)))) == 3
    with pytest.raises(ValueError, match="no label units"):
        net.classify(np.zeros((1, 6)))
    with pytest.raises(ValueError, match="label units"):
        net.generate(2, 2, rng=0, clamp_labels=1)


def test_softmax_is_stable():
    np.testing.assert_allclose(softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])


@pytest.mark.parametrize("sampler", ["cd", "pcd", "pa"])
def test_every_negative_phase_draws_the_label_group_as_one_softmax(sampler):
    # The top RBM of a label DBN can be trained with any negative phase: each one draws its
    # reconstructions through LabelRBM.sample_v, so exactly one label is on in every sample.
    from pgmviz.training.negative import make_negative_phase

    r = small_label_rbm()
    neg = make_negative_phase(sampler, k=3, n_chains=200)
    rng = np.random.default_rng(0)
    V_pos = np.hstack([rng.integers(0, 2, (50, r.n_x)), one_hot(rng.integers(0, K, 50), K)]).astype(float)
    for _ in range(3):
        V_neg, _ = neg.negative(r, V_pos, r.p_h_given_v(V_pos), rng)
        np.testing.assert_array_equal(V_neg[:, -K:].sum(axis=1), 1.0)
    # and the labels drawn follow p(y | h): over many chains, every label appears
    assert set(np.argmax(V_neg[:, -K:], axis=1)) == set(range(K))


def test_log_p_y_given_x_gradient_matches_finite_differences():
    r = small_label_rbm(n_x=4, n_h=3, seed=2)
    rng = np.random.default_rng(3)
    V = np.hstack([rng.integers(0, 2, (7, r.n_x)), one_hot(rng.integers(0, K, 7), K)]).astype(float)

    def mean_log_p(model: LabelRBM) -> float:
        P = model.p_y_given_x(V[:, :-K])
        return float(np.log(P[np.arange(len(V)), V[:, -K:].argmax(axis=1)]).mean())

    dW, db, dc = r.log_p_y_given_x_gradient(V)
    eps = 1e-6
    for name, grad in (("W", dW), ("b", db), ("c", dc)):
        param = getattr(r, name)
        num = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + eps
            up = mean_log_p(r)
            param[idx] = old - eps
            down = mean_log_p(r)
            param[idx] = old
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, num, atol=1e-8, err_msg=name)
    assert np.abs(dW).max() > 1e-3  # not trivially zero


def test_hybrid_training_raises_the_exact_conditional_likelihood():
    # The same label RBM trained with and without the discriminative term, same seeds: the hybrid
    # one fits log p(y | x) (exact, by free energies) clearly better on its training data.
    from pgmviz.training.train import Trainer

    rng = np.random.default_rng(0)
    n, n_x = 200, 12
    y = rng.integers(0, K, n)
    protos = rng.random((K, n_x)) < 0.5
    X = np.where(rng.random((n, n_x)) < 0.2, ~protos[y], protos[y]).astype(float)  # noisy prototypes
    V = np.hstack([X, one_hot(y, K)])

    def fitted(alpha: float) -> float:
        r = LabelRBM.from_rbm(RBM.random(n_x + K, 8, seed=1, data=V, dtype=np.float64), K)
        t = Trainer(r, V, settings=TrainSettings(lr=0.05, momentum=0.5, batch_size=50, discriminative=alpha, seed=2))
        t.run(300, with_metrics=False)
        P = t.rbm.p_y_given_x(X)
        return float(np.log(P[np.arange(n), y]).mean())

    generative, hybrid = fitted(0.0), fitted(1.0)
    assert hybrid > generative + 0.1, (generative, hybrid)
    with pytest.raises(ValueError, match="label units"):
        Trainer(RBM.random(n_x, 8, seed=1), X, settings=TrainSettings(discriminative=1.0))
