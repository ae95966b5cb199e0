"""The one training protocol (pgmviz.training.protocol): every trainer answers run(Budget) with a Progress,
slices add up to the same training as one long run, and a wild learning rate keeps the last good
parameters. Counts of updates only, never seconds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pgmviz import datasets
from pgmviz.models import vae
from pgmviz.models.rbm import RBM
from pgmviz.nets import autoencoder as ae
from pgmviz.nets import autoencoder_finetune as ae_ft
from pgmviz.training import compare, race_settings, updown
from pgmviz.training import finetune as ft
from pgmviz.training.greedy import GreedyTrainer
from pgmviz.training.protocol import Budget, Lockstep, Progress, Trainable, spend
from pgmviz.training.train import Snapshot, Trainer, TrainSettings

BARS = datasets.load("bars4").X_train  # (30, 16)
RNG = np.random.default_rng(0)
X_GREY = RNG.random((60, 16)).astype(np.float32)
Y = np.arange(60) % 3


# --- the budget and spend --------------------------------------------------------------------
def test_budget_needs_a_bound_and_refuses_nonsense():
    for bad in ({}, {"updates": -1}, {"updates": 2.5}, {"seconds": 0.0}, {"seconds": float("nan")},
                {"seconds": -1.0}, {"seconds": float("inf")}):
        with pytest.raises(ValueError):
            Budget(**bad)
    assert Budget(updates=5).capped(3) == Budget(3)
    assert Budget(seconds=0.5).capped(7) == Budget(7, 0.5)
    assert Budget(updates=2).capped(None) == Budget(2)
    assert Budget(updates=2).capped(-4) == Budget(0)


def test_spend_stops_at_the_count_the_clock_or_a_refusal():
    ticks = itertools.count()  # a clock that advances one "second" per reading
    calls = []
    assert spend(Budget(updates=4), lambda: calls.append(1) or True, clock=lambda: 0.0) == (4, 0.0)
    done, _ = spend(Budget(seconds=3), lambda: True, clock=lambda: float(next(ticks)))
    assert done == 3  # the first update reads no clock; after it, readings 1 and 2 are inside 3 s, 3 is not
    assert spend(Budget(seconds=1e-9), lambda: True, clock=lambda: float(next(ticks)))[0] == 1  # at least one
    left = iter([True, True, False, True])
    assert spend(Budget(updates=10), lambda: next(left), clock=lambda: 0.0)[0] == 2
    assert spend(Budget(updates=0), lambda: pytest.fail("called"), clock=lambda: 0.0)[0] == 0
    left = iter([True] * 5 + [False])
    assert spend(None, lambda: next(left), clock=lambda: 0.0)[0] == 5


# --- every trainer, the same protocol ----------------------------------------------------------
def rbm_trainer(lr=0.1):
    return Trainer(RBM.random(16, 6, seed=1, data=BARS), BARS, None, TrainSettings(lr=lr, seed=2, batch_size=10))


def race(lr=0.1, **kw):
    s = race_settings.RaceSettings(n_hidden=4, lr=lr, batch_size=10,
                             methods=(race_settings.Method("cd"), race_settings.Method("pcd", n_chains=10)))
    return compare.Race(s, BARS, **kw)


def greedy(lr=0.1):
    return GreedyTrainer([16, 6, 4], BARS, TrainSettings(lr=lr, seed=0, batch_size=10), updates_per_layer=7)


def fine_tuner(lr=3e-3):
    return ae_ft.FineTuner(ae.random_autoencoder([16, 8, 3], rng=0), X_GREY,
                           ae_ft.FinetuneSettings(lr=lr, batch_size=20), rng=0)


def backprop(lr=0.02):
    return ft.BackpropTrainer(ft.random_classifier([16, 8, 3], 0), X_GREY, Y, X_GREY[:20], Y[:20],
                              ft.BackpropSettings(lr=lr, batch_size=20))


def up_down(lr=0.05):
    net = GreedyTrainer([16, 8, 6], BARS, TrainSettings(lr=0.1, seed=0), labels=np.arange(30) % 3,
                            n_labels=3).train_all(20)
    return updown.UpDownTrainer(net, BARS, np.arange(30) % 3, settings=updown.UpDownSettings(lr=lr, batch_size=10))


def vae_trainer(lr=3e-3):
    return vae.VAETrainer(vae.VAE(vae.VAEConfig(n_x=16, n_hidden=8, n_z=2, batch_size=20, seed=1, lr=lr)),
                          X_GREY, X_GREY[:20])


MAKERS = {"rbm": rbm_trainer, "race": race, "greedy": greedy, "autoencoder": fine_tuner, "backprop": backprop,
          "updown": up_down, "vae": vae_trainer}


def params(t) -> list[np.ndarray]:
    """Every trained array of a trainer, for bit-for-bit comparisons."""
    if isinstance(t, Trainer):
        return [t.rbm.W, t.rbm.b, t.rbm.c]
    if isinstance(t, compare.Race):
        return [a for lane in t.lanes.values() for a in params(lane.trainer)]
    if isinstance(t, GreedyTrainer):
        return [a for r in t.dbn().rbms for a in (r.W, r.b, r.c)]
    if isinstance(t, (ae_ft.FineTuner, ft.BackpropTrainer)):
        return t.net.Ws + t.net.bs
    if isinstance(t, updown.UpDownTrainer):
        return updown._arrays(t.net)
    return list(t.vae.params.values())


def step_of(t) -> int:
    if isinstance(t, compare.Race):
        return t.step_count
    return t.trainer.step if isinstance(t, GreedyTrainer) else t.step


@pytest.mark.parametrize("name", MAKERS)
def test_every_trainer_follows_the_protocol(name):
    t = MAKERS[name]()
    assert isinstance(t, Trainable)
    assert t.diverged is None
    p = t.run(Budget(updates=3))
    assert isinstance(p, Progress)
    assert (p.done, p.step, step_of(t)) == (3, 3, 3)
    assert p.diverged is None and not p.stopped and p.seconds >= 0
    p = t.run(Budget(updates=2, seconds=1e9))
    assert (p.done, p.step) == (2, 5)
    p = t.run(Budget(seconds=1e-9))  # time's up after the first update: still one, so Step always steps
    assert (p.done, p.step) == (1, 6)
    assert t.history is not None


@pytest.mark.parametrize("name", MAKERS)
def test_slices_add_up_to_one_run_bit_for_bit(name):
    whole, sliced = MAKERS[name](), MAKERS[name]()
    whole.run(Budget(updates=6))
    for n in (1, 2, 3):
        sliced.run(Budget(updates=n))
    for a, b in zip(params(whole), params(sliced), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(params(whole), params(MAKERS[name]())))  # it trained


def test_the_older_calls_are_the_same_training():
    # RBM: run(n) is n updates and returns the Snapshot itself
    a, b = rbm_trainer(), rbm_trainer()
    snap = a.run(5)
    assert isinstance(snap, Snapshot) and snap.step == 5
    b.run(Budget(updates=2))
    b.run(Budget(updates=3))
    np.testing.assert_array_equal(a.rbm.W, b.rbm.W)
    # epoch trainers: run(n_epochs) is n epochs of updates (60 rows / 20 = 3 updates per epoch)
    for make in (fine_tuner, backprop):
        a, b = make(), make()
        a.run(2)
        for n in (4, 2):
            b.run(Budget(updates=n))
        assert a.epoch == b.epoch == 2 and a.step == 6
        for x, y in zip(params(a), params(b)):
            np.testing.assert_array_equal(x, y)
        assert len(a.history) == len(b.history)
    a, b = up_down(), up_down()  # 30 rows / 10 = 3 updates per epoch
    a.run(2)
    b.run(Budget(updates=5))
    b.run(Budget(updates=1))
    assert a.epoch == b.epoch == 2 and len(a.history) == len(b.history) == 3
    for x, y in zip(params(a), params(b)):
        np.testing.assert_array_equal(x, y)
    # VAE: train(n) is run(Budget(n)) with the same history point
    a, b = vae_trainer(), vae_trainer()
    pa, pb = a.train(4), b.run(Budget(updates=4)).snapshot
    assert (pa.elbo, pa.recon, pa.kl, pa.elbo_test) == (pb.elbo, pb.recon, pb.kl, pb.elbo_test)
    # Race: step(n) is run(Budget(n)) with one record at its end
    a, b = race(), race()
    a.step(7)
    b.run(Budget(updates=7))
    for x, y in zip(params(a), params(b)):
        np.testing.assert_array_equal(x, y)
    assert a.history.keys() == b.history.keys()
    for key in a.lanes:
        assert a.history[key]["step"] == b.history[key]["step"] == [0.0, 7.0]


@pytest.mark.parametrize("name,wild", [("rbm", 1e6), ("race", 1e6), ("greedy", 1e6), ("autoencoder", 1e30),
                                       ("backprop", 1e30), ("updown", 1e38), ("vae", 1e30)])
def test_a_wild_learning_rate_stops_with_finite_parameters(name, wild):
    t = MAKERS[name](wild)
    with np.errstate(all="ignore"):
        for _ in range(20):
            p = t.run(Budget(updates=5))
            if p.diverged:
                break
    assert p.diverged and t.diverged == p.diverged and p.stopped
    assert all(np.isfinite(a).all() for a in params(t))
    step = step_of(t)
    assert t.run(Budget(updates=5)).done == 0 and step_of(t) == step  # it stays stopped


def test_greedy_layer_and_race_finish_at_their_targets():
    g = greedy()
    p = g.run(Budget(updates=5))
    assert (p.done, p.finished) == (5, False)
    p = g.run(Budget(updates=5))
    assert (p.done, p.finished) == (2, True)  # capped at updates_per_layer = 7
    g.next_layer()
    assert g.layer == 1 and g.run(Budget(updates=100)).done == 7
    g.next_layer()
    assert g.done and g.run(Budget(updates=1)).finished

    r = race(record_every=4, max_updates=10)
    p = r.run(Budget(updates=6))
    assert r.history[next(iter(r.lanes))]["step"] == [0.0, 4.0, 6.0]  # every 4 updates and at the slice's end
    assert not p.finished
    p = r.run(Budget(updates=100))
    assert (p.done, p.step, p.finished) == (4, 10, True)
    assert r.history[next(iter(r.lanes))]["step"] == [0.0, 4.0, 6.0, 8.0, 10.0]


def test_epoch_trainers_finish_at_max_epochs():
    for make in (fine_tuner, backprop, up_down):
        t = make()
        t.max_epochs = 2  # 3 updates per epoch
        p = t.run(Budget(updates=100))
        assert (p.done, t.epoch, p.finished) == (6, 2, True)
        assert t.run(Budget(updates=100)).done == 0
        t.max_epochs = 3  # a new target: it goes on
        p = t.run(Budget(updates=2))
        assert (p.done, p.finished) == (2, False)


def test_the_autoencoders_held_out_row_is_measured_at_each_epochs_end():
    t = ae_ft.FineTuner(ae.random_autoencoder([16, 8, 3], rng=0), X_GREY, ae_ft.FinetuneSettings(batch_size=20), rng=0,
                     X_test=X_GREY[:10])
    t.run(Budget(updates=4))  # epoch 1 ends at update 3
    assert [r["epoch"] for r in t.rows] == [1]
    ref = ae_ft.FineTuner(ae.random_autoencoder([16, 8, 3], rng=0), X_GREY, ae_ft.FinetuneSettings(batch_size=20),
                          rng=0)
    ref.run(1)
    assert t.rows[0] == ae_ft.history_row(ref.net, X_GREY[:10], 1, ref.history[-1])


def test_a_slice_capped_at_the_epochs_end_ends_there():
    for make in (fine_tuner, backprop, up_down):
        t = make()  # 3 updates per epoch
        assert t.updates_left_in_epoch == 3
        t.run(Budget(updates=1))
        assert t.updates_left_in_epoch == 2
        p = t.run(Budget(updates=100).capped(t.updates_left_in_epoch))
        assert (p.done, t.epoch, t.updates_left_in_epoch) == (2, 1, 3)


def test_lockstep_gives_every_trainer_the_same_updates():
    a, b = backprop(), backprop(lr=0.05)
    pair = Lockstep([a, b])
    assert isinstance(pair, Trainable)
    p = pair.run(Budget(seconds=1e-9))  # the first spends the budget (one update); the other follows
    assert (p.done, a.step, b.step) == (1, 1, 1)
    pair.run(Budget(updates=5))
    assert a.step == b.step == 6 and len(pair.history) == 2
    ref = backprop(lr=0.05)
    ref.run(Budget(updates=6))
    for x, y in zip(params(b), params(ref)):
        np.testing.assert_array_equal(x, y)
    wild = Lockstep([backprop(), backprop(lr=1e30)])
    with np.errstate(all="ignore"):
        p = wild.run(Budget(updates=6))
    assert p.diverged and wild.diverged and wild.run(Budget(updates=3)).done == 0
