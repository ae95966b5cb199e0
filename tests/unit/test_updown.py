"""Up-down fine-tuning (pgmviz.training.updown) and untied DBN weights (pgmviz.models.dbn), checked against exact
log p(v, y) and exact posteriors of a DBN small enough to enumerate."""

from __future__ import annotations

import io

import numpy as np
import pytest

from pgmviz.models import dbn, dbn_io
from pgmviz.training import updown
from pgmviz.training.greedy import GreedyTrainer
from pgmviz.training.train import TrainSettings
from tests.unit.exact import log_p_joint_dbn, posterior_gap_dbn

K = 4  # classes in the toy data


def toy_data(n_per: int = 60, seed: int = 0):
    """Four classes of 12-pixel patterns: class k turns on its own block of 3 pixels, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(K), n_per)
    X = (rng.random((len(y), 12)) < 0.1).astype(np.float64)
    for k in range(K):
        X[y == k, 3 * k: 3 * k + 3] = rng.random(((y == k).sum(), 3)) < 0.9
    return X, y


def greedy_net(seed: int = 0, updates: int = 300) -> dbn.DBN:
    X, y = toy_data()
    s = TrainSettings(lr=0.1, momentum=0.5, weight_decay=0.0, batch_size=20, seed=seed)
    net = GreedyTrainer([12, 8, 10], X, s, labels=y, n_labels=K).train_all(updates)
    return dbn.DBN([r.astype(np.float64) for r in net.rbms])


@pytest.fixture(scope="module")
def run():
    """Greedy net, then 100 epochs of up-down with the exact log p(v, y) and posterior gap every 20."""
    X, y = toy_data()
    t = updown.UpDownTrainer(greedy_net(), X, y, settings=updown.UpDownSettings(
        lr=0.05, k=3, batch_size=20, weight_decay=0.0, seed=0))
    log_p, gap = [log_p_joint_dbn(t.net, X, y).mean()], [posterior_gap_dbn(t.net, X, y).mean()]
    for _ in range(5):
        t.run(20)
        log_p.append(log_p_joint_dbn(t.net, X, y).mean())
        gap.append(posterior_gap_dbn(t.net, X, y).mean())
    return t, np.array(log_p), np.array(gap)


def test_untied_net_recognises_and_generates_exactly_like_the_tied_one():
    net = greedy_net(updates=50)
    X, _ = toy_data()
    un = net.untie()
    assert net.tied and not un.tied
    np.testing.assert_array_equal(un.classify(X), net.classify(X))
    for a, b in zip(un.generate(5, 7, rng=3, clamp_labels=2), net.generate(5, 7, rng=3, clamp_labels=2)):
        np.testing.assert_array_equal(a, b)
    # untied means independent: changing the generative copy leaves recognition alone
    un.generative_weights[0][0][:] += 1.0
    np.testing.assert_array_equal(un.classify(X), net.classify(X))
    assert not np.array_equal(un.generate(5, 7, rng=3)[0], net.generate(5, 7, rng=3)[0])


def test_untied_net_saves_and_loads_both_sets_of_weights():
    net = greedy_net(updates=50).untie()
    net.generative_weights[0][0][:] *= 0.5
    buf = io.BytesIO()
    dbn_io.save_dbn(buf, net, {"note": "untied"})
    back, meta = dbn_io.load_dbn(buf.getvalue())
    assert not back.tied and meta["note"] == "untied" and back.n_labels == K
    for (G, b), (G2, b2) in zip(net.generative_weights, back.generative_weights):
        np.testing.assert_array_equal(G, G2)
        np.testing.assert_array_equal(b, b2)
    np.testing.assert_array_equal(back.rbms[0].W, net.rbms[0].W)
    with pytest.raises(ValueError, match="generative weights"):
        dbn.DBN(net.rbms, [(np.zeros((3, 3)), np.zeros(3))])


def test_up_down_raises_the_exact_log_likelihood_of_images_and_labels(run):
    _, log_p, _ = run
    assert log_p[-1] > log_p[0] + 1.5, log_p  # -8.0 -> -6.0 nats per (v, y) with seed 0
    assert np.all(np.diff(log_p) > 0), log_p


def test_sleep_phase_keeps_the_recognition_weights_inverting_the_generative_model(run):
    # KL(Q(h1|v) || p(h1|v,y)): with the sleep update's sign flipped this grows past 0.35 nats
    # within 20 epochs; done right it stays near where greedy training left it
    _, _, gap = run
    assert gap.max() < 0.25, gap


def test_trainer_history_starts_at_the_greedy_net_and_recognition_improves(run):
    t, _, _ = run
    X, y = toy_data()
    h = t.history
    assert [r["epoch"] for r in h] == list(range(101))
    assert h[0]["train error"] == pytest.approx(updown.error_rate(greedy_net(), X, y))
    assert h[-1]["train error"] < h[0]["train error"] - 0.2
    assert h[-1]["train error"] == pytest.approx(updown.error_rate(t.net, X, y))
    assert np.isnan(h[0]["wake_error"]) and np.isfinite(h[-1]["wake_error"])


def test_trainer_leaves_the_given_net_alone_and_lr_zero_changes_nothing():
    X, y = toy_data()
    net = greedy_net(updates=50)
    W0 = net.rbms[0].W.copy()
    t = updown.UpDownTrainer(net, X, y, settings=updown.UpDownSettings(lr=0.0, weight_decay=0.0))
    t.run(2)
    np.testing.assert_array_equal(net.rbms[0].W, W0)
    for a, b in zip(updown._arrays(t.net), updown._arrays(net.untie())):
        np.testing.assert_array_equal(a, b)


def test_wild_learning_rate_stops_with_the_last_good_net():
    X, y = toy_data()
    t = updown.UpDownTrainer(greedy_net(updates=50), X, y, settings=updown.UpDownSettings(lr=1e38))
    before = [a.copy() for a in updown._arrays(t.net)]
    t.run(3)
    assert t.diverged and t.epoch == 0 and len(t.history) == 1
    for a, b in zip(updown._arrays(t.net), before):
        np.testing.assert_array_equal(a, b)
    t.run(1)  # stays stopped
    assert t.epoch == 0


def test_bad_input_is_a_clear_error():
    X, y = toy_data()
    net = greedy_net(updates=20)
    with pytest.raises(ValueError, match="label units"):
        updown.UpDownTrainer(dbn.DBN(net.rbms[:1]), X, y)
    with pytest.raises(ValueError, match="untie"):
        updown.up_down_step(net, X[:5], np.eye(K)[y[:5]], updown.UpDownSettings(), np.random.default_rng(0))
    with pytest.raises(ValueError, match="one label per"):
        updown.UpDownTrainer(net, X, y[:-1])
    with pytest.raises(ValueError, match="labels must lie"):
        updown.UpDownTrainer(net, X, y + 10)
    for bad in ({"lr": -1.0}, {"lr": float("nan")}, {"k": 0}, {"batch_size": 0}):
        with pytest.raises(ValueError):
            updown.UpDownSettings(**bad)


# ------------------------------------------------------------------ the bundled net (scripts/train_updown.py)
@pytest.fixture(scope="module", params=["28x28", "16x16"])
def bundled(request):
    from pgmviz import datasets
    from pgmviz.training import finetune as ft

    pair = {"28x28": (ft.LABEL_DBN, ft.UPDOWN_DBN), "16x16": (ft.LABEL_DBN16, ft.UPDOWN_DBN16)}[request.param]
    greedy, greedy_meta = dbn_io.load_dbn(pair[0])
    net, meta = dbn_io.load_dbn(pair[1])
    assert meta["dataset"] == greedy_meta["dataset"] == {"28x28": "mnist", "16x16": "mnist16"}[request.param]
    return greedy, greedy_meta, net, meta, datasets.load(meta["dataset"])


def test_bundled_up_down_net_is_untied_and_its_recorded_errors_are_its_own(bundled):
    greedy, greedy_meta, net, meta, ds = bundled
    assert greedy.tied and not net.tied and net.sizes == greedy.sizes and net.n_labels == 10
    assert updown.error_rate(net, ds.X_test, ds.y_test) == pytest.approx(meta["test_error"], abs=1e-12)
    assert updown.error_rate(net, ds.X_train, ds.y_train) == pytest.approx(meta["train_error"], abs=1e-12)
    h = meta["history"]
    assert len(h) == meta["epochs"] + 1 and h[-1]["held-out error"] == meta["test_error"]
    assert h[0]["held-out error"] == pytest.approx(greedy_meta["test_error"]) == meta["greedy_test_error"]
    # what the fine-tuning page says of recognition: training error falls, held-out moves within noise
    assert h[-1]["train error"] < h[0]["train error"]
    assert abs(h[-1]["held-out error"] - h[0]["held-out error"]) < 0.015


def test_every_bundled_label_net_is_documented():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "assets" / "README.md").read_text()
    files = sorted((root / "assets" / "dbn").glob("*.npz"))
    assert len(files) == 4
    for f in files:
        assert f"`{f.name}`" in readme or f"`dbn/{f.name}`" in readme, f"assets/README.md does not document {f.name}"


def test_persistent_hybrid_up_down_raises_the_exact_log_likelihood_and_keeps_labels_one_hot():
    # The variant the bundled nets use: persistent top chains (the sleep phase dreams from the model's
    # fantasies) and the exact log p(y | x) term at the top. It must still climb log p(v, y) exactly.
    X, y = toy_data()
    t = updown.UpDownTrainer(greedy_net(), X, y, settings=updown.UpDownSettings(
        lr=0.05, k=1, batch_size=20, weight_decay=0.0, seed=0, n_persistent=50, discriminative=1.0))
    before = log_p_joint_dbn(t.net, X, y).mean()
    t.run(60)
    after = log_p_joint_dbn(t.net, X, y).mean()
    assert after > before + 0.3, (before, after)
    assert t.chains.shape == (50, 8 + K)
    np.testing.assert_array_equal(t.chains[:, -K:].sum(axis=1), 1.0)  # labels drawn as one softmax
    with pytest.raises(ValueError):
        updown.UpDownSettings(n_persistent=-1)
