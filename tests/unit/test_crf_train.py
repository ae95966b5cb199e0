"""The glyph-sequence task (pgmviz.models.crf_data) and the end-to-end trainer (pgmviz.training.crf_train):
the chain and the noise are what they claim, the generating HMM read as a CRF is the exact Bayes
posterior, and training raises the held-out log-likelihood, the CRF above the same net alone."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from pgmviz.models import crf
from pgmviz.models import crf_data as cd
from pgmviz.training import crf_train as ct
from pgmviz.training.protocol import Budget


def test_cyclic_transitions_are_doubly_stochastic():
    P = cd.cyclic_transitions(0.6, 0.35)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P.sum(axis=0), 1.0)  # so the uniform start is stationary
    assert P[0, 0] == 0.6 and P[0, 1] == 0.35 and P[3, 0] == 0.35 and P[0, 2] == pytest.approx(0.025)
    with pytest.raises(ValueError):
        cd.cyclic_transitions(0.7, 0.4)


def test_labels_follow_the_chain_and_pixels_flip_at_the_noise_rate():
    task = cd.make_task(n_train=2000, n_test=10, length=20, noise=0.2, stay=0.5, step=0.3, seed=1)
    Y = task.Y_train
    counts = np.zeros((4, 4))
    np.add.at(counts, (Y[:, :-1].ravel(), Y[:, 1:].ravel()), 1)
    freq = counts / counts.sum(axis=1, keepdims=True)  # 38,000 transitions: standard error < 0.005
    np.testing.assert_allclose(freq, task.P, atol=0.02)
    np.testing.assert_allclose(np.bincount(Y[:, 0], minlength=4) / len(Y), 0.25, atol=0.04)
    flipped = np.mean(task.X_train != cd.GLYPHS[Y])
    assert flipped == pytest.approx(0.2, abs=0.005)
    again = cd.make_task(n_train=2000, n_test=10, length=20, noise=0.2, stay=0.5, step=0.3, seed=1)
    np.testing.assert_array_equal(again.X_test, task.X_test)


def test_the_generating_hmm_as_a_crf_is_the_bayes_posterior():
    task = cd.make_task(n_train=1, n_test=3, length=3, noise=0.25, seed=2)
    U, A, s = cd.generating_hmm(task, task.X_test)
    mu = crf.forward_backward(U, A, s).mu
    q = np.where(cd.GLYPHS > 0, 0.75, 0.25)
    Ys = crf.all_labelings(3, 4)
    for n, x in enumerate(task.X_test):
        # the joint p(y, x) = pi(y1) P(y1,y2) P(y2,y3) prod_t p(x_t | y_t), written out by hand
        emit = np.prod(np.where(x[:, None, :] > 0, q, 1 - q), axis=2)  # (T, K) p(x_t | y_t = k)
        joint = np.array([task.pi[y[0]] * task.P[y[0], y[1]] * task.P[y[1], y[2]] * emit[0, y[0]] * emit[1, y[1]]
                          * emit[2, y[2]] for y in Ys])
        post = joint / joint.sum()
        for t in range(3):
            np.testing.assert_allclose(mu[n, t], [post[Ys[:, t] == k].sum() for k in range(4)], atol=1e-12)
    # without transitions: p(y_t | x_t) alone, each position's own posterior under the uniform marginal
    U0, A0, s0 = cd.generating_hmm(task, task.X_test, transitions=False)
    mu0 = crf.forward_backward(U0, A0, s0).mu
    np.testing.assert_allclose(mu0, np.exp(U0 - logsumexp(U0, axis=2, keepdims=True)), atol=1e-12)


def test_bad_task_settings_are_refused():
    for kwargs in ({"noise": 0.7}, {"length": 0}, {"n_train": 10**6}, {"stay": 0.9, "step": 0.2}):
        with pytest.raises(ValueError):
            cd.make_task(**kwargs)


def small_task():
    return cd.make_task(n_train=80, n_test=60, length=12, noise=0.3, seed=0)


def test_training_raises_held_out_likelihood_and_the_crf_beats_the_net_alone():
    task = small_task()
    pair = ct.pair(task, ct.CRFSettings(n_hidden=8, lr=0.02, seed=0), max_epochs=12)
    hybrid, alone = pair.trainers
    start = [t.history[0]["held-out nats"] for t in pair.trainers]
    assert start[0] == pytest.approx(start[1])  # the same initial net; A = 0 at the start
    while not pair.run(Budget(updates=50)).finished:
        pass
    assert hybrid.step == alone.step == 12 * 8 and len(hybrid.history) == 13
    end = [t.history[-1] for t in pair.trainers]
    assert end[0]["held-out nats"] > start[0] + 0.3 and end[1]["held-out nats"] > start[1] + 0.2
    assert end[0]["held-out nats"] > end[1]["held-out nats"] + 0.15  # transitions help, by a margin
    assert end[0]["held-out accuracy"] > end[1]["held-out accuracy"] + 0.04
    # the learned transition scores rank like the true log P: staying and stepping the cycle win
    A = hybrid.model.A
    assert np.all(np.diag(A) > A[np.arange(4), (np.arange(4) + 2) % 4])
    assert not np.any(alone.model.A)  # the net alone never learns transitions
    # the history's held-out numbers are the model's own, by `evaluate`, kept as a copy
    assert end[0]["held-out accuracy"] == ct.evaluate(hybrid.epoch_model, task.X_test, task.Y_test)["accuracy"]
    np.testing.assert_array_equal(hybrid.epoch_model.A, hybrid.model.A)
    assert hybrid.epoch_model.A is not hybrid.model.A


def test_same_seed_same_training():
    runs = []
    for _ in range(2):
        t = ct.CRFTrainer(crf.NeuralCRF.random(25, 4, 4, rng=5), small_task(), ct.CRFSettings(n_hidden=4, seed=5))
        t.run(Budget(updates=10))
        runs.append(t.model.A.copy())
    np.testing.assert_array_equal(*runs)


def test_a_wild_step_size_diverges_and_keeps_the_last_good_model():
    task = small_task()
    t = ct.CRFTrainer(crf.NeuralCRF.random(25, 4, 4, rng=0), task, ct.CRFSettings(n_hidden=4, lr=1e9))
    before = {k: a.copy() for k, a in t.model.parameters().items()}
    p = t.run(Budget(updates=20))
    assert p.diverged and "diverged" in t.diverged and p.done == 0 and t.step == 0
    for k, a in t.model.parameters().items():
        np.testing.assert_array_equal(a, before[k])
    assert t.run(Budget(updates=5)).done == 0  # nothing trains after that
    with pytest.raises(ValueError):
        ct.CRFTrainer(crf.NeuralCRF.random(25, 4, 4), task, ct.CRFSettings(lr=float("nan")))


def test_references_are_the_generating_models_own_numbers():
    task = small_task()
    ref = ct.references(task)
    emit = cd.emission_log_likelihood(task.X_test, task.noise)
    assert ref["per_position"]["accuracy"] == np.mean(emit.argmax(axis=2) == task.Y_test)
    assert ref["hmm"]["accuracy"] > ref["per_position"]["accuracy"]  # noise 0.3: the neighbours help
    assert ref["hmm"]["nats"] > ref["per_position"]["nats"]


def test_corrections_count_every_held_out_position_once():
    task = small_task()
    hybrid, alone = ct.pair(task, ct.CRFSettings(n_hidden=4), max_epochs=3).trainers
    for t in (hybrid, alone):
        t.run(Budget(updates=24))
    c = ct.corrections(hybrid.model, alone.model, task.X_test, task.Y_test)
    assert c.fixed + c.broken + c.both_right + c.both_wrong == task.Y_test.size
    acc = [ct.evaluate(m, task.X_test, task.Y_test)["accuracy"] for m in (hybrid.model, alone.model)]
    assert c.fixed - c.broken == round((acc[0] - acc[1]) * task.Y_test.size)
    assert c.per_sequence.sum() == c.fixed - c.broken and c.fixed > 0


def test_transition_agreement_ignores_scale_and_offset():
    P = cd.cyclic_transitions(0.6, 0.35)
    a, b, r = ct.transition_agreement(2.0 * np.log(P) + 3.0, P)
    assert r == pytest.approx(1.0)
    np.testing.assert_allclose(a, 2 * b)
    assert ct.transition_agreement(-np.log(P), P)[2] == pytest.approx(-1.0)
    assert np.isnan(ct.transition_agreement(np.zeros((4, 4)), P)[2])  # untrained A: no direction at all


def test_gradient_check_agrees_and_leaves_the_model_alone():
    task = small_task()
    model = crf.NeuralCRF.random(25, 4, 4, rng=1)
    model.A[...] = np.random.default_rng(0).normal(0, 1, (4, 4))
    before = model.A.copy()
    rows = ct.gradient_check(model, task.X_train[:3], task.Y_train[:3])
    assert {r["parameter"].split("[")[0] for r in rows} == {"W0", "b0", "W1", "b1", "A", "s"}
    assert max(r["relative difference"] for r in rows) < 1e-5
    assert all(abs(r["finite difference"]) > 1e-6 for r in rows if r["parameter"].startswith("A"))
    np.testing.assert_array_equal(model.A, before)


def test_worth_of_transitions_is_the_references_at_each_noise():
    w = ct.worth_of_transitions([0.0, 0.3], 0.6, 0.35, length=12, n_test=50, seed=3)
    assert w["hmm_accuracy"][0] == w["per_position_accuracy"][0] == 1.0  # clean glyphs read themselves
    ref = ct.references(cd.make_task(1, 50, 12, 0.3, 0.6, 0.35, 3))
    assert w["hmm_accuracy"][1] == ref["hmm"]["accuracy"] and w["per_position_nats"][1] == ref["per_position"]["nats"]
    assert w["hmm_accuracy"][1] > w["per_position_accuracy"][1]
