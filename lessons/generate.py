"""Deep belief nets, generate and recognise: a DBN whose top RBM also models ten softmax label units
draws digits with one label clamped, dreams from random pixels, and recognises digits.

Widgets and drawing only; the numbers come from ``pgmviz.models.dbn`` (``top_chain``,
``fantasy_from_pixels``, ``classify``) and the bundled net ``assets/dbn/*.npz`` made by
``scripts/train_dbn.py``. A movie's frames are computed once per setting and kept in
``st.session_state``; it plays, looping, in the app's one animation player (``pgmviz.ui.player``,
keys ``gr_movie_*``). The confusions and the reader's counts: ``pgmviz.evaluation.recognition``; charts:
``pgmviz.ui.charts.generate``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from pgmviz import data
from pgmviz.evaluation import recognition
from pgmviz.evaluation.reader import reader_for
from pgmviz.models import dbn, dbn_io
from pgmviz.training import finetune as ft
from pgmviz.ui import compute, digit_input, predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import generate as charts
from pgmviz.ui.charts.generate import picture
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.models import dataset
from pgmviz.ui.player import player
from pgmviz.ui.present import main_picture
from pgmviz.viz import sample_grid

st.set_page_config(page_title="Generate and recognise · pgmviz", layout="wide")

P = "gr_"  # prefix of this page's session-state keys (the session is shared by all pages)
# the bundled 28x28 label DBN, greedy (scripts/train_dbn.py) and after up-down (scripts/train_updown.py)
NETS = {"greedy": ft.LABEL_NETS["dbn_labels"], "updown": ft.LABEL_NETS["dbn_labels_updown"]}
NET_NAMES = {"greedy": "Greedy only", "updown": "After up-down fine-tuning"}
LECTURE_ERROR = 0.0125  # the lecture's full-MNIST figure: generative model of images and labels, fine-tuned
TICK_S = 0.5  # a playing movie shows a new frame this often
N_FRAMES = 25
ss = st.session_state

lesson_header(
    "Generate and recognise",
    "Put ten label units beside the top layer of a deep belief net and the same generative model "
    "both draws a digit of any class you clamp and recognises digits: the label whose free energy "
    "is lowest is the answer.",
)


@st.cache_resource(show_spinner="Loading the deep belief net ...")
def load_net(which: str) -> tuple[dbn.DBN, dict]:
    """A bundled labelled DBN (shared by every session: read-only)."""
    return dbn_io.load_dbn(NETS[which])


@st.cache_data(show_spinner="Recognising the 1,000 held-out digits ...")
def held_out_probs(which: str) -> np.ndarray:
    """p(y | v) of every held-out digit, by free energy. (1000, 10)"""
    net, _ = load_net(which)
    return net.classify(dataset("mnist").X_test)


def label_bars(p: np.ndarray, key: str, title: str) -> None:
    slides.chart(st, charts.label_bars_figure(p, title), key=key, width="stretch", config={"displayModeBar": False})


# The net and the movie's settings, shareable as a link (?gr_net=updown&gr_seed=3).
URL_SETTINGS = url.bind(P, {
    "net": url.choice("greedy", NETS),
    "every": url.choice(20, [1, 5, 20, 100]),
    "rows": url.integer(2, 1, 3),
    "seed": url.integer(0, 0, 2**31 - 1),
})
which = st.segmented_control("Net", list(NETS), required=True, key=P + "net",
                             format_func=NET_NAMES.get,
                             help="The same DBN after greedy training, or after up-down fine-tuning "
                                  "(see *Fine-tuning and results*, section 4).")
try:
    net, meta = load_net(which)
except (OSError, ValueError) as e:
    st.error(f"The bundled net could not be read ({e}). Rebuild it with `python scripts/train_dbn.py` "
             "and `python scripts/train_updown.py`.")
    st.stop()
ds = dataset("mnist")
K = net.n_labels
sizes = net.sizes
reader = reader_for((28, 28))
samplers = meta.get("samplers") or []
shift = int(meta.get("max_shift", meta.get("greedy_max_shift", 0)))  # the greedy stage's data (scripts/train_dbn.py)
digits = (f"the {len(ds.y_train):,} training digits" + (f" and their shifts by up to {shift} pixel{'s' * (shift > 1)} "
                                                        f"({(2 * shift + 1) ** 2 * len(ds.y_train):,} images)"
                                                        if shift else ""))
how_greedy = (f"Trained greedily on {digits} (28x28, thresholded), "
              + (", ".join(f"RBM {i + 1} by {s.upper()}-1" for i, s in enumerate(samplers)) + ", " if samplers else "")
              + f"in {meta.get('train_seconds', 0):.0f} s by `scripts/train_dbn.py`.")
how = (how_greedy if which == "greedy" else
       f"The greedy net ({digits}), then {meta.get('epochs', 0)} epochs of up-down fine-tuning on the "
       f"{len(ds.y_train):,} training digits{' (unshifted)' * bool(shift)} "
       f"({meta.get('train_seconds', 0):.0f} s, `scripts/train_updown.py`): separate recognition and "
       "generative weights below the top RBM.")
lecture = (" (the lecture's size)" if list(sizes) == [784, 500, 500, 2000]
           else " (the lecture's 784-500-500-2000 + 10, scaled down)")
st.caption(f"The net: {sizes[0]} pixels → {sizes[1]} → {sizes[2]} units, then the top RBM between those "
           f"{sizes[2]} units plus {K} softmax label units and {sizes[3]} top units{lecture}. {how}")
judged = meta.get("reader")
if reader is None:
    st.warning("The independent reader (assets/reader/) is missing, so the drawings are not judged here. "
               "Rebuild it with `python scripts/train_reader.py`.", icon=":material/warning:")
elif judged:
    cl, fr = judged["clamped"], judged["free"]
    n_cl = cl["n_per_label"] * K
    jc = st.columns(3)
    jc[0].metric(f"of {n_cl} clamped drawings, read as the clamped digit", f"{cl['accuracy']:.0%}",
                 help=f"{cl['n_per_label']} drawings of each digit, {cl['T']:,} Gibbs steps in the top RBM with the "
                      f"label clamped, then one top-down pass (seed {cl['seed']}); read by the independent reader.")
    jc[1].metric(f"classes among {fr['n']} free samples", f"{fr['entropy_bits']:.2f} bits",
                 help=f"Nothing clamped, {fr['T']:,} Gibbs steps; log2 10 = 3.32 bits if the reader saw all ten "
                      f"digits equally often. Counts 0-9: {fr['counts']}.")
    jc[2].metric("the reader on real held-out digits", f"{reader.test_accuracy:.1%}",
                 help="A classifier trained on real digits only (never on a model's sample): the ceiling for "
                      "the drawings' figure.")

# --- 1. one label clamped ---------------------------------------------------------------------------
st.header("1 · Samples with one label clamped", divider="gray")
c_every, c_rows, c_seed = st.columns([2, 1.2, 0.8])
every = c_every.select_slider("Gibbs steps between frames", [1, 5, 20, 100], key=P + "every",
                              help="Successive Gibbs states are too correlated to watch one by one, so the "
                                   "movie shows one frame every this many steps of the top-level memory.")
rows = c_rows.number_input("Samples per digit", 1, 3, key=P + "rows")
seed = c_seed.number_input("Seed", 0, 2**31 - 1, key=P + "seed")
URL_SETTINGS.write()

config = (which, int(every), int(rows), int(seed))
if ss.get(P + "clamp_config") != config:  # new settings: compute the movie once and keep it
    labels = np.tile(np.arange(K), int(rows))  # row r of the grid: one chain per digit
    chain = compute.run(P + "movie", net.top_chain, N_FRAMES, int(every), n=len(labels), rng=int(seed),
                        clamp_labels=labels)  # through the server's scheduler, like every live computation
    ss[P + "clamp_config"] = config
    ss[P + "clamp_chain"] = chain
    # per frame: how many drawings the independent reader reads as their clamped label
    ss[P + "clamp_read"] = None if reader is None else recognition.reads_per_frame(reader, chain.images, labels)


def movie(f: int) -> None:
    """One frame of the movie and the reader's count of it."""
    chain: dbn.Chain = ss[P + "clamp_chain"]
    steps = chain.steps
    slides.picture(main_picture(), sample_grid(chain.images[f], (28, 28), n_cols=K, scale=4), width="content",
                   caption=f"Columns: the clamped label 0 … 9. Top-level Gibbs step {steps[f]:,}, then one top-down "
                     f"pass; the pictures are p(v | h₁).", name=P + "clamped_chain")
    read = ss[P + "clamp_read"]
    if read is not None:
        n = chain.images.shape[1]
        st.metric("drawings the independent reader reads as their clamped digit", f"{int(read[f])} of {n}",
                  help="The reader is a classifier trained on real digits only; the net never grades its own "
                       "drawings (that would be circular).")


player(P, "movie", [f"Gibbs step {s:,}" for s in ss[P + "clamp_chain"].steps], signature=config, draw=movie,
       tick_s=TICK_S, loop=True)

# --- 2. what is on its mind -------------------------------------------------------------------------
st.header("2 · What is on its mind, from random pixels", divider="gray")
st.markdown("Show it an image of random pixels, do one up-pass, then let the top-level memory run freely "
            "(nothing clamped). The label units report, at each frame, p(y | h_top) = softmax(b_y + W_y h_top).")
c_n, c_ev, c_s2 = st.columns([1.2, 2, 0.8])
n_mind = c_n.number_input("Chains", 1, 6, 4, key=P + "mind_n")
every_mind = c_ev.select_slider("Gibbs steps between frames", [1, 5, 20, 100], value=20, key=P + "mind_every")
seed_mind = c_s2.number_input("Seed", 0, 2**31 - 1, 0, key=P + "mind_seed")
mind_config = (which, int(n_mind), int(every_mind), int(seed_mind))
if ss.get(P + "mind_config") != mind_config:
    rng = np.random.default_rng(int(seed_mind))
    noise = (rng.random((int(n_mind), 784)) < 0.5).astype(np.float32)  # random pixels
    ss[P + "mind_config"] = mind_config
    ss[P + "mind_noise"] = noise
    ss[P + "mind"] = net.fantasy_from_pixels(noise, 12, int(every_mind), rng=rng)
mind: dbn.Chain = ss[P + "mind"]
strip = np.concatenate([ss[P + "mind_noise"][:, None], mind.images.transpose(1, 0, 2)], axis=1)  # (n, 13, 784)
slides.picture(st, sample_grid(strip.reshape(-1, 784), (28, 28), n_cols=strip.shape[1], scale=3), width="content",
               caption=f"Each row one chain: the random pixels, then frames every {int(every_mind)} Gibbs steps.",
               name=P + "mind")
heat = charts.label_heat_figure(mind.p_y[:, 0, :], mind.steps)
slides.chart(st, heat, key=P + "mind_heat", width="stretch")

# --- 3. recognition -----------------------------------------------------------------------------------
st.header("3 · Recognition by free energy", divider="gray")
st.markdown("An up-pass gives the penultimate layer x; then for each label the free energy of the top RBM "
            f"with that label clamped, F([x, e_y]), is exact (the {sizes[3]:,} top units sum out in closed form), and")
st.latex(r"p(y \mid v) = \frac{e^{-F([x,\,e_y])}}{\sum_{y'} e^{-F([x,\,e_{y'}])}}")
probs = held_out_probs(which)
pred = probs.argmax(axis=1)
err = float((pred != ds.y_test).mean())

source = st.segmented_control("Digit", ["held_out", "draw"], default="held_out", required=True, key=P + "source",
                              format_func={"held_out": "A held-out digit", "draw": "Draw one"}.get)
c_img, c_bars = st.columns([1, 2.2], gap="large")
v = None
if source == "held_out":
    with c_img:
        digit = st.selectbox("Digit class", list(range(K)), key=P + "class")
        pool = np.flatnonzero(ds.y_test == digit)
        idx = st.number_input(f"Which one (0–{len(pool) - 1})", 0, len(pool) - 1, 0, key=P + "index")
        i = int(pool[int(idx)])
        slides.picture(st, picture(ds.X_test[i]), width="content", caption=f"held-out {digit} #{int(idx)}",
                       name=P + "held_out")
    with c_bars:
        p = probs[i]
        label_bars(p, P + "bars", f"p(y | v): the net says {int(p.argmax())} ({p.max():.0%})")
else:
    with c_img:
        drawn = digit_input.draw_digit(P + "canvas")
        v = None if drawn is None else data.binarize(drawn)
    with c_bars:
        if v is None:
            st.info("Draw a digit, white on black, in the box.")
        else:
            p = net.classify(v)[0]
            slides.picture(st, picture(v, 112), width="content", caption="what the net sees: 28x28, thresholded",
                           name=P + "drawn")
            label_bars(p, P + "draw_bars", f"p(y | your drawing): {int(p.argmax())} ({p.max():.0%})")

q_err = predict.ask(P + "q_err", f"Recognising by free energy alone, what percentage of the {len(ds.y_test):,} "
                    "held-out digits will this net get wrong?",
                    predict.Number(0.0, 50.0, 0.5, default=25.0, fmt=lambda x: f"{x:.1f}%"),
                    answer=100 * err, about=which)
m = st.columns(3)
if q_err.revealed:
    m[0].metric("held-out error, this net", f"{err:.1%}",
                help=f"{int((pred != ds.y_test).sum())} of {len(ds.y_test):,} held-out digits misrecognised.")
m[1].metric("the lecture: full MNIST, generative model + fine-tuning", f"{LECTURE_ERROR:.2%}")
m[2].metric("held-out digits", f"{len(ds.y_test):,}")
ours = "greedily only" if which == "greedy" else f"with {meta.get('epochs', 0)} epochs of up-down"
st.caption("Not a like-for-like comparison: the lecture's net (784-500-500-2000) learnt from 60,000 digits "
           f"with long up-down fine-tuning after the greedy stage; ours ({'-'.join(map(str, sizes))}) learnt from "
           f"{len(ds.y_train):,} digits{' and their small shifts' * bool(shift)} ({ours}).")
conf = recognition.confusion_matrix(ds.y_test, pred, K)
cm = charts.confusion_figure(conf)
if q_err.reveals("the error and the confusion matrix"):
    slides.chart(st, cm, key=P + "confusion", width="content")

with st.expander("Show the code that computed this page's numbers"):
    st.code(
        """from pgmviz.models import dbn_io

net, meta = dbn_io.load_dbn("assets/dbn/mnist_labels.npz")  # or mnist_labels_updown.npz
chain = net.top_chain(25, every, n=10, clamp_labels=range(10))   # label clamped: the movie
reader = bundled_reader((28, 28))   # pgmviz.evaluation.reader: trained on real digits only
census.clamped_census(net, reader, n_per_label=30, T=1000)   # the drawings, read
mind = net.fantasy_from_pixels(random_pixels, 12, every)         # free-running from an up-pass
p = net.classify(X_test)          # p(y|v) = softmax(-F([x, e_y])), x from a mean-field up-pass
error = (p.argmax(1) != y_test).mean()""",
        language="python",
    )

confusions = recognition.confusions_sentence(conf)  # the confusions, largest first
notice(
    "One set of weights does both jobs. Clamp a label and the associative memory wanders among images "
    "of that digit: frames a few hundred Gibbs steps apart are different digits of the same class, and an "
    "independent reader, which never saw a model's sample, reads them as the digit clamped (the figure above "
    "the movie). From random pixels the free-running memory settles into some "
    "digit and the label units follow it. Recognition needs no sampling: the free energy of each clamped "
    f"label is exact; its most frequent mistakes here: {confusions}."
)
