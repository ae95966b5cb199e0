"""AppTest of "Inference by message passing" (lessons/message_passing.py): it runs, every number it shows is
pgmviz.inference's for the graph its widgets describe, stepping the player moves through the messages, the
"Show it" preset makes mean field pick a mode, and the settings round-trip through the URL."""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pgmviz.inference import accuracy, bp
from pgmviz.models.mrf import lesson_graph
from pgmviz.models.rbm import RBM
from pgmviz.ui import predict
from tests.app.helpers import metrics, query, run

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "message_passing.py")
TIMEOUT = 120
COUPLINGS = np.round(np.linspace(0.0, 2.0, 41), 10)


def fmt(p: float) -> str:  # the page's formats, restated
    return f"{p:.4f}"


def err(x: float) -> str:
    return f"{x:.3g}"


@pytest.fixture
def at() -> AppTest:
    return run(AppTest.from_file(PAGE, default_timeout=TIMEOUT))


def shown(at: AppTest):
    """The graph, trace and comparison the widgets describe, recomputed by the library."""
    kind, J, h, spread = (at.radio(key="mp_graph").value, at.slider(key="mp_J").value, at.slider(key="mp_h").value,
                          at.slider(key="mp_spread").value)
    sweeps, damping = at.slider(key="mp_sweeps").value, at.slider(key="mp_damping").value
    mrf = lesson_graph(kind, J, h, spread)
    trace = bp.run_schedule(mrf, bp.default_schedule(mrf, sweeps), 0.0 if mrf.is_tree() else damping)
    return mrf, trace, accuracy.compare(mrf, damping=damping), (kind, h, spread, damping)


def markdown_with(at: AppTest, start: str) -> str:
    return next(m.value for m in at.markdown if m.value.startswith(start))


def dataframe_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def chart(at: AppTest, trace_name: str) -> dict[str, dict]:
    """The plotly chart holding a trace named ``trace_name``: its traces by name."""
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        traces = {t.get("name"): t for t in spec["data"]}
        if trace_name in traces:
            return traces
    raise AssertionError(f"no chart with a trace {trace_name!r}")


def array(x) -> np.ndarray:
    """A plotly JSON array: a plain list, or plotly 6's base64 typed array {"dtype", "bdata"}."""
    if isinstance(x, dict):
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=np.dtype(x["dtype"]))
    return np.asarray(x, dtype=float)


@functools.lru_cache(maxsize=None)
def curve(kind: str, h: float, spread: float, damping: float) -> accuracy.CouplingSweep:
    """The library's error curve (once per setting: the checks ask for the same ones again)."""
    return accuracy.error_vs_coupling(kind, COUPLINGS, h, spread, damping)


def check_graph(at: AppTest, mrf, trace: bp.BPTrace, frame: int) -> None:
    """The drawn graph: each node's belief and each edge's message (with its arrow) after ``frame`` messages."""
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        nodes = [t for t in spec["data"] if str(t.get("text", [""])[0]).startswith("x0<br>")]
        if nodes:
            break
    else:
        raise AssertionError("no graph figure")
    assert nodes[0]["text"] == [f"x{i}<br>{b:.3f}" for i, b in enumerate(trace.beliefs[frame])]
    labels = [a["text"].replace("<b>", "").replace("</b>", "") for a in spec["layout"]["annotations"] if a.get("text")]
    D, xy = bp.directed_edges(mrf), mrf.pos
    want = []
    for d, (s, t) in enumerate(D.tolist()):
        angle = np.arctan2(*(xy[t] - xy[s])[::-1])
        want.append(f"{'→↗↑↖←↙↓↘'[int(np.round(angle / (np.pi / 4))) % 8]} {trace.messages[frame, d]:+.2f}")
    assert labels == want


def check_numbers(at: AppTest) -> None:
    mrf, trace, cmp, (kind, h, spread, damping) = shown(at)
    m = metrics(at)
    # section 1 at the frame shown
    frame = int(m["messages sent"].split(" of ")[0])
    assert m["messages sent"] == f"{frame} of {len(trace.schedule)}"
    assert m["max |belief − exact marginal|"] == err(np.max(np.abs(trace.beliefs[frame] - mrf.marginals())))
    check_graph(at, mrf, trace, frame)
    final = float(np.max(np.abs(trace.beliefs[-1] - mrf.marginals())))
    if mrf.is_tree():
        assert f"to **{err(final)}** (rounding)" in markdown_with(at, "After the ")
        assert final < 1e-10
    else:
        text = markdown_with(at, "After ")
        assert f"**{err(final)}** from the exact marginals" in text
        assert f"by up to **{err(trace.change(2 * mrf.m))}**" in text
        bethe, log_Z = bp.bethe_log_Z(mrf, trace.messages[-1]), mrf.log_Z()
        lucky = [md.value for md in at.markdown if md.value.startswith("Here the one-unit beliefs happen to be right")]
        assert bool(lucky) == (final < 1e-6 and abs(bethe - log_Z) > 1e-6)
        if lucky:
            assert f"**{bethe:.4f}** against the exact **{log_Z:.4f}**" in lucky[0]
        uncoupled = any(md.value.startswith("With nothing coupling the units") for md in at.markdown)
        assert uncoupled == (final < 1e-6 and abs(bethe - log_Z) <= 1e-6 and not mrf.pairwise.any())
    # section 2: the three answers
    table = dataframe_with(at, "BP belief")
    assert list(table["exact p(x_i = 1)"]) == [fmt(p) for p in cmp.exact]
    assert list(table["BP belief"]) == [fmt(p) for p in cmp.bp]
    assert list(table["mean field q_i"]) == [fmt(p) for p in cmp.mf]
    assert list(table["|BP − exact|"]) == [err(x) for x in np.abs(cmp.bp - cmp.exact)]
    assert list(table["|MF − exact|"]) == [err(x) for x in np.abs(cmp.mf - cmp.exact)]
    assert m["log Z (enumeration)"] == f"{mrf.log_Z():.4f}"
    assert m["log Z, Bethe (BP)"] == f"{cmp.bp_result.log_Z:.4f}"
    assert m["mean-field bound log Z − KL"] == f"{cmp.elbo:.4f}"
    assert m["KL(q ‖ p), nats"] == f"{cmp.mf_kl:.4f}"
    text = markdown_with(at, "The exact column sums")
    assert f"all 2^{mrf.n} = {2 ** mrf.n} states" in text and f"*{cmp.mf_start}*" in text
    assert (f"converged after **{cmp.bp_result.iterations}** updates" in text) == cmp.bp_result.converged
    # section 3: the curves are the library's
    curves = {k: curve(k, h, spread, damping) for k in ("chain", "tree", "grid")}
    traces = chart(at, "BP, grid")
    for k in curves:
        np.testing.assert_allclose(array(traces[f"BP, {k}"]["y"]), curves[k].bp_error, atol=1e-12)
    np.testing.assert_allclose(array(traces[f"mean field, {kind}"]["y"]), curves[kind].mf_error, atol=1e-12)
    np.testing.assert_allclose(array(chart(at, "Bethe log Z − log Z")["Bethe log Z − log Z"]["y"]),
                               curves[kind].bethe_error, atol=1e-12)
    peak = int(np.argmax(curves["grid"].bp_error))
    text = markdown_with(at, "With these fields")
    tree_max = max(curves["chain"].bp_error.max(), curves["tree"].bp_error.max())
    assert f"stays below **{err(tree_max)}**" in text and tree_max < 1e-10
    assert f"**{err(curves['grid'].bp_error[peak])}** at its worst, at J = {COUPLINGS[peak]:g}" in text
    assert f"mean field's worst on the {kind} is **{err(curves[kind].mf_error.max())}**" in text
    # section 4: mean field from every start
    starts = dataframe_with(at, "KL(q ‖ p), nats").set_index("start")
    for name, r in cmp.mf_runs.items():
        assert starts.loc[name, "mean of q_i"] == fmt(r.means.mean())
        assert starts.loc[name, "KL(q ‖ p), nats"] == f"{r.kl:.4f}"
        assert starts.loc[name, "sweeps"] == r.sweeps
    off, on = cmp.mf_runs["all off"], cmp.mf_runs["all on"]
    two = np.max(np.abs(off.means - on.means)) > 0.1
    assert any(md.value.startswith("Two starts, two fixed points") for md in at.markdown) == two
    if two:
        text = markdown_with(at, "Two starts")
        assert f"**{fmt(off.means.mean())}**, from *all on* with **{fmt(on.means.mean())}**" in text
    # section 5: the RBM
    on_units = at.pills(key="mp_v_on").value or []
    v = np.array([1.0 if f"v{i + 1}" in on_units else 0.0 for i in range(4)])
    half = accuracy.rbm_half_step(RBM.random(4, 3, seed=1, sigma=1.5, dtype=np.float64), v)
    assert m["independent loops in the RBM's graph"] == "6" == str(half.loops)
    assert m["edges left between hidden units, given v"] == "0"
    assert m["max over the 8 h of |p(h | v) − Π_j sigmoid(c_j + v·W_j)|"] == f"{half.max_abs_diff:.1e}"
    assert half.max_abs_diff < 1e-12
    bars = chart(at, "p(h | v) by enumeration")
    np.testing.assert_allclose(array(bars["p(h | v) by enumeration"]["y"]), half.exact, atol=1e-15)


def test_defaults_show_the_librarys_numbers(at):
    assert at.title[0].value == "Inference by message passing"
    assert at.radio(key="mp_graph").value == "chain"
    assert metrics(at)["messages sent"] == "0 of 10"  # the player starts before the first message
    check_numbers(at)
    assert query(at) == {}  # an untouched page has a clean address


def test_stepping_through_the_messages(at):
    mrf, trace, _, _ = shown(at)
    D = bp.directed_edges(mrf)
    at.button(key="mp_msg_next").click()
    run(at)
    d = int(trace.schedule[0])
    m = metrics(at)
    assert m["messages sent"] == "1 of 10"
    assert m[f"message x{D[d, 0]} → x{D[d, 1]} (log-odds)"] == f"{trace.messages[1, d]:+.4f}"
    assert D[d, 0] == 5  # the chain's first message leaves the far leaf
    at.button(key="mp_msg_last").click()
    run(at)
    assert metrics(at)["messages sent"] == "10 of 10"
    assert float(metrics(at)["max |belief − exact marginal|"]) < 1e-10
    check_numbers(at)


@pytest.mark.parametrize("kind", ["tree", "grid"])
def test_other_graphs(at, kind):
    at.radio(key="mp_graph").set_value(kind)
    run(at)
    check_numbers(at)
    assert query(at)["mp_graph"] == kind
    if kind == "grid":
        at.slider(key="mp_damping").set_value(0.5)
        at.slider(key="mp_sweeps").set_value(3)
        run(at)  # new settings, new frames: the player goes back to the first
        at.button(key="mp_msg_last").click()
        run(at)
        assert metrics(at)["messages sent"] == "72 of 72"
        check_numbers(at)
        at.slider(key="mp_J").set_value(0.0)
        run(at)
        check_numbers(at)
        assert any(md.value.startswith("With nothing coupling the units") for md in at.markdown)


def test_show_it_makes_mean_field_pick_a_mode(at):
    at.button(key="mp_strong").click()
    run(at)
    assert at.radio(key="mp_graph").value == "grid"
    assert (at.slider(key="mp_J").value, at.slider(key="mp_h").value) == (1.0, 0.0)
    assert at.slider(key="mp_spread").value == 0.0
    check_numbers(at)
    text = markdown_with(at, "Two starts, two fixed points")
    at.button(key="mp_msg_last").click()
    run(at)  # no field: by symmetry every message is 0 and the beliefs are right, but not the Bethe log Z
    assert metrics(at)["messages sent"] == "144 of 144"
    assert markdown_with(at, "Here the one-unit beliefs happen to be right")
    check_numbers(at)
    _, _, cmp, _ = shown(at)
    assert cmp.mf_runs["all off"].means.max() < 0.05 < 0.95 < cmp.mf_runs["all on"].means.min()
    assert "the exact marginals average **0.5000**" in text


def test_evidence_changes_the_rbm_posterior(at):
    before = chart(at, "p(h | v) by enumeration")["p(h | v) by enumeration"]["y"]
    at.pills(key="mp_v_on").set_value(["v2"])
    run(at)
    check_numbers(at)
    assert chart(at, "p(h | v) by enumeration")["p(h | v) by enumeration"]["y"] != before
    assert query(at)["mp_v_on"] == "v2"


def test_a_link_opens_the_page_as_set_and_bad_values_are_ignored():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update({"mp_graph": "grid", "mp_J": "1.5", "mp_h": "nan", "mp_sweeps": "1e9", "mp_v_on": "v9"})
    run(app)
    assert app.radio(key="mp_graph").value == "grid" and app.slider(key="mp_J").value == 1.5
    assert app.slider(key="mp_h").value == 0.1 and app.slider(key="mp_sweeps").value == 6  # defaults kept
    assert app.pills(key="mp_v_on").value == ["v1", "v3", "v4"]
    check_numbers(app)


@pytest.mark.parametrize("kind, answer", [("chain", "equal, up to rounding"), ("grid", "off by 0.01 or more")])
def test_question_hides_the_answer_until_committed(kind, answer):
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update({"questions": "1", "mp_graph": kind})
    run(app)
    assert "max |belief − exact marginal|" not in metrics(app)  # hidden, with the table and BP's error curve
    assert not any("BP belief" in d.value.columns for d in app.dataframe)
    assert any(predict.HIDDEN in c.value for c in app.caption)
    app.radio(key="mp_q_exact__guess").set_value("off by less than 0.01")
    run(app)
    app.button(key="mp_q_exact__commit").click()
    run(app)
    assert not any(predict.HIDDEN in c.value for c in app.caption)
    mrf, trace, _, _ = shown(app)
    final = float(np.max(np.abs(trace.beliefs[-1] - mrf.marginals())))
    assert (final < 1e-10, final >= 0.01) == ((True, False) if kind == "chain" else (False, True))
    (verdict,) = [t.value for t in (*app.success, *app.info) if t.value.startswith("You said")]
    assert verdict.split("; it is ", 1)[1].split(":", 1)[0].strip("*") == answer
    check_numbers(app)  # everything shows again, and equals the library


def test_loopy_bp_that_does_not_settle_is_said_so():
    """J = 1, h = -0.3, spread 1.5 on the grid: undamped flooding BP keeps moving for 500 updates."""
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update({"mp_graph": "grid", "mp_J": "1", "mp_h": "-0.3", "mp_spread": "1.5"})
    run(app)
    _, _, cmp, _ = shown(app)
    assert not cmp.bp_result.converged
    assert f"had **not converged** after {cmp.bp_result.iterations} updates" in markdown_with(app, "The exact column")
    check_numbers(app)
