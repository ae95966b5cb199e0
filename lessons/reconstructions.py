"""Lesson 3, reconstructions: an image goes up to the hidden units and back down.

Widgets and drawing only; the numbers come from pgmviz.evaluation.recon (reconstruction chains, per-class
errors) and pgmviz.models.rbm. The model is the session's current one (sidebar), by default the slides'
model of 16x16 images of 2s. Pictures and charts: ``pgmviz.ui.charts.reconstructions``; the canvas and
the upload: ``pgmviz.ui.digit_input``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pgmviz import data
from pgmviz.evaluation import recon
from pgmviz.evaluation.evaluate import model_fingerprint as fingerprint
from pgmviz.models.rbm import RBM
from pgmviz.ui import digit_input, predict, slides
from pgmviz.ui import urlstate as url
from pgmviz.ui.charts import reconstructions as charts
from pgmviz.ui.charts.reconstructions import hidden_picture, picture
from pgmviz.ui.layout import lesson_header, notice
from pgmviz.ui.models import dataset, image_shape, model_picker, model_setting
from pgmviz.ui.present import main_picture
from pgmviz.viz import sample_grid

st.set_page_config(page_title="Reconstructions · pgmviz", layout="wide")

P = "rc_"  # prefix of this page's session-state keys (the session is shared by all pages)
TWOS = "Only 2s 16x16, 256x50 CD-1"  # the slides' model: the default when the user has none
SOURCES = {"held_out": "A held-out digit", "draw": "Draw one", "upload": "Upload a picture"}

lesson_header(
    "Reconstructions",
    "An RBM can only give back what its features can express: drive the hidden units with an "
    "image, and the picture they send back is what the model believes the image is. A model "
    "trained only on 2s sees every digit as a 2.",
)


# --- helpers ------------------------------------------------------------------------------------
@st.cache_data(show_spinner="Reconstructing every held-out digit ...", max_entries=16)
def class_errors_cached(_rbm: RBM, fp: str, set_key: str) -> recon.ClassErrors:
    ds = dataset(set_key)
    return recon.class_errors(_rbm, ds.X_test, ds.y_test)


# --- the model and its data ----------------------------------------------------------------------
MODEL_URL = url.bind(P, {"model": model_setting(TWOS)})  # ?rc_model=<a pretrained model's title>
picked = model_picker(prefer=TWOS)
if picked is None:
    st.info("There is no model yet: train one on the *Filter learning* page or load a .npz in the sidebar.")
    st.stop()
name, rbm, meta = picked
shape = image_shape(rbm, meta)
set_key = recon.show_set_for(rbm.n_v, meta.get("dataset"))
if set_key is None:
    st.error(
        f"**{name}** has {rbm.n_v} visible units, which matches none of the data sets here "
        "(28x28 digits have 784 pixels, 16x16 digits 256, bars-and-stripes 9 or 16), so there "
        "is nothing to reconstruct with it. Choose another model in the sidebar."
    )
    st.stop()
ds = dataset(set_key)
is_digits = set_key in recon.DIGIT_SETS
trained = recon.trained_classes(meta.get("dataset"))
seen = ("only " + " and ".join(f"{c}s" for c in trained)) if trained else "digits of every class"
st.caption(
    f"Model **{name}**: {rbm.n_v} visible units ({shape[0]}x{shape[1]} pixels) and {rbm.n_h} binary "
    f"hidden features" + (f"; in training it saw {seen}." if is_digits else ".")
    + f" Test images: {ds.title}, the {len(ds.X_test):,} held out from training."
)

# --- 1. one image, up and back down --------------------------------------------------------------
st.header("1 · One image, up to the features and back down", divider="gray")
sources = list(SOURCES) if is_digits else ["held_out"]
classes = np.unique(ds.y_test)
class_key, index_key = f"{P}class_{set_key}", f"{P}index_{set_key}"
# The rest of a shareable setup (?rc_digit=7&rc_index=3&rc_rounds=10 ...); the digit's widgets are
# kept per data set, so the same link works for any model.
URL_SETTINGS = url.bind(P, {
    "source": url.choice("held_out", sources, key=f"{P}source_{is_digits}"),
    "rounds": url.integer(1, 1, 30),
    "seed": url.integer(0, 0, 2**31 - 1),
    "digit": url.choice(int(trained[0]) if trained else int(classes[0]), classes.tolist(), key=class_key),
    "index": url.integer(0, 0, len(ds.y_test) - 1, key=index_key),  # clamped to the class's digits below
    "per_class": url.choice(2, [1, 2, 3, 4]),
    "metric": url.choice("per_ink", ["per_ink", "mse"]),
})
c_src, c_rounds, c_seed = st.columns([2.2, 1.6, 0.8], gap="large")
with c_src:
    source = st.segmented_control("Image", sources, format_func=SOURCES.get, required=True,
                                  key=f"{P}source_{is_digits}")
with c_rounds:
    n_rounds = st.slider("Sampling rounds v → h → v", 1, 30, key=f"{P}rounds",
                         help="Round 1 is the reconstruction. Each further round samples a binary image "
                              "from the last p(v|h) and sends it up again: block Gibbs sampling.")
with c_seed:
    seed = st.number_input("Seed", 0, 2**31 - 1, key=f"{P}seed", help="Fixes the sampled h (and the chain).")


def pick_random() -> None:
    rng = np.random.default_rng()
    c = int(rng.choice(classes))
    st.session_state[class_key] = c
    st.session_state[index_key] = int(rng.integers(0, (ds.y_test == c).sum()))


v_in: np.ndarray | None = None
label = ""
if source == "held_out":
    c1, c2, c3 = st.columns([1.2, 1.2, 1.0], gap="large", vertical_alignment="bottom")
    if len(classes) > 1:
        digit = c1.selectbox("Digit class", classes.tolist(), key=class_key,
                             format_func=lambda c: f"{c}" + ("  (trained on)" if trained and c in trained else ""))
    else:
        digit = int(classes[0])
    pool = np.flatnonzero(ds.y_test == digit)
    st.session_state[index_key] = min(int(st.session_state.get(index_key, 0)), len(pool) - 1)
    idx = c2.number_input(f"Which one (0–{len(pool) - 1})", 0, len(pool) - 1, key=index_key)
    c3.button("Random digit", icon=":material/casino:", on_click=pick_random, key=f"{P}random",
              width="stretch")
    v_in = ds.X_test[pool[idx]]
    label = f"held-out {digit} #{idx}" if len(classes) > 1 else f"pattern #{idx}"
else:
    c1, c2 = st.columns([1.0, 1.6], gap="large")
    with c1:
        raw = (digit_input.draw_digit(f"{P}canvas", instead=" Upload a picture instead.") if source == "draw"
               else digit_input.upload_digit(f"{P}upload"))
    with c2:
        if raw is None:
            st.info("Draw a digit, white on black, in the box." if source == "draw"
                    else "Upload a photo or scan of one handwritten digit; any colours and size.")
        else:
            small = raw if shape[1] == 28 else data.downsample(raw, shape[1])
            v_in = data.binarize(small)  # the training images were thresholded at 0.5 too
            slides.picture(st, [picture(raw, (28, 28), 168), picture(v_in, shape, 168)], width="content",
                           caption=["cropped, scaled to 20 px, centred (28x28)",
                              f"what the model sees: {shape[0]}x{shape[1]}, thresholded"], name=P + "input")
            label = "your drawing" if source == "draw" else "your picture"

if v_in is not None:
    rounds = recon.reconstruction_rounds(rbm, v_in, n_rounds, rng=int(seed))
    p_h, h, p_v = rounds.P_h[0], rounds.H[0], rounds.P_v[0]
    cols = main_picture().columns(4, gap="medium")
    captions = [f"v: {label}", "p(h | v): feature probabilities", "h: sampled binary features",
                "p(v | h): the reconstruction"]
    images = [picture(v_in, shape), hidden_picture(p_h), hidden_picture(h), picture(p_v, shape)]
    for col, img, cap in zip(cols, images, captions):
        col.markdown(f"**{cap}**")
        slides.picture(col, img, width="content", name=P + f"round_{captions.index(cap)}")
    err = float(rounds.squared_errors()[0])
    m = st.columns(4)
    m[0].metric("pixels on in v", f"{int(v_in.sum())} of {rbm.n_v}")
    m[1].metric("features on in h", f"{int(h.sum())} of {rbm.n_h}")
    m[2].metric("squared error Σᵢ (vᵢ − p(vᵢ|h))²", f"{err:.1f}",
                help="Summed over pixels; per pixel it is this divided by the number of pixels.")
    m[3].metric("free energy F(v)", f"{float(rbm.free_energy(v_in)[0]):.1f}",
                help="Low F(v) = the model finds v probable. Compare a trained class with an unfamiliar one.")
    slides.chart(st, charts.hidden_bars_figure(p_h, h), key=f"{P}bars", width="stretch")

    if n_rounds > 1:
        st.subheader(f"{n_rounds} rounds: where the chain drifts")
        frames = np.vstack([v_in[None], rounds.P_v])  # (n_rounds + 1, n_v): the image, then p(v|h_t)
        per_row = min(len(frames), 16)
        scale = max(2, 1150 // (per_row * (shape[1] + 1)))
        slides.picture(st, sample_grid(frames, shape, n_cols=per_row, scale=scale), width="content",
                       caption="left: v; then p(v | h) after rounds 1, 2, ... (row by row)", name=P + "rounds")
        fig = charts.drift_figure(rounds.squared_errors())
        slides.chart(st, fig, key=f"{P}drift", width="stretch")

# --- 2. familiar and unfamiliar -----------------------------------------------------------------
st.header("2 · Familiar and unfamiliar digits", divider="gray")
errors = class_errors_cached(rbm, fingerprint(rbm), set_key)
# Which class comes back worst (per ink pixel, whatever measure is picked below)? Asked before the gallery shows it.
q_worst = (predict.ask(P + "q_worst", f"Which held-out class will **{name}** reconstruct worst (highest squared "
                       "error per ink pixel)?", predict.Choice([str(c) for c in errors.classes]),
                       answer=str(errors.classes[int(np.argmax(errors.per_ink))]), about=fingerprint(rbm))
           if len(errors.classes) > 1 else None)
errors_shown = q_worst is None or q_worst.reveals("the reconstructions and errors of every class")
if len(errors.classes) > 1 and errors_shown:
    per_class = st.select_slider("Examples per class", [1, 2, 3, 4], key=f"{P}per_class")
    X_ex, y_ex = recon.class_examples(ds.X_test, ds.y_test, per_class)
    R_ex = rbm.reconstruct(X_ex, rng=int(seed))  # from sampled binary features, as on the slides
    gal = st.columns(len(errors.classes), gap="small")
    for col, c in zip(gal, errors.classes):
        rows = np.vstack([X_ex[y_ex == c], R_ex[y_ex == c]])  # data on top, reconstructions below
        star = " ★" if trained and c in trained else ""
        col.markdown(f"<div style='text-align:center;font-size:1.4rem'><b>{c}</b>{star}</div>",
                     unsafe_allow_html=True)
        slides.picture(col, sample_grid(rows, shape, n_cols=per_class, scale=max(2, 112 // (per_class * shape[1]))),
                       width="stretch", name=P + f"class_{c}")
    st.caption("Top of each column: held-out digits. Below: their reconstructions p(v | h) from one sample "
               "of binary features h." + (" ★ = the class the model was trained on." if trained else ""))

metric = st.radio("Error measure", ["per_ink", "mse"], horizontal=True, key=f"{P}metric",
                  format_func={"per_ink": "squared error per ink pixel", "mse": "mean squared error per pixel"}.get,
                  help="Per ink pixel divides by the number of pixels that are on, so digits with little ink "
                       "(1s) do not look good just for having less to get wrong.")
MODEL_URL.write()
URL_SETTINGS.write()
values = errors.per_ink if metric == "per_ink" else errors.mse
names = [str(c) for c in errors.classes] if len(errors.classes) > 1 else ["all patterns"]
fig = charts.class_errors_figure(names, values, [bool(trained) and c in trained for c in errors.classes],
                                 len(ds.X_test))
if errors_shown:
    ch, tb = st.columns([2.2, 1.0], gap="large")
    with ch:
        slides.chart(st, fig, key=f"{P}class_errors", width="stretch")
    with tb:
        table = pd.DataFrame({"class": names, "images": errors.counts, "per ink pixel": errors.per_ink,
                              "per pixel": errors.mse})
        st.dataframe(table, hide_index=True, key=f"{P}error_table", width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="%.4f")
                                    for c in ("per ink pixel", "per pixel")})

with st.expander("Show the code that computed this page's numbers"):
    st.code(
        """from pgmviz.evaluation import recon

rounds = recon.reconstruction_rounds(rbm, v, n_rounds, rng=seed)
rounds.P_h[0]   # p(h|v) = sigmoid(c + v W)
rounds.H[0]     # h ~ Bernoulli(p(h|v))
rounds.P_v[0]   # p(v|h) = sigmoid(b + W h): the reconstruction
# later rounds start from v' ~ Bernoulli(p(v|h)): block Gibbs sampling

errors = recon.class_errors(rbm, X_test, y_test)   # per class, with mean-field h = p(h|v)
errors.per_ink  # sum of (v - p(v|p(h|v)))^2 / number of pixels on in v""",
        language="python",
    )

ratio = recon.unfamiliar_ratio(errors, trained)
if ratio is not None and ratio > 1.2:
    one = ", ".join(str(c) for c in trained)
    drift = (f"With this model a held-out {one} comes back clean (often cleaner than the original), while the other "
             f"digits come back bent into {one}-like strokes: their error per ink pixel is {ratio:.1f} times that "
             f"of the {one}s (table above). ")
elif ratio is not None:  # a model that reconstructs unfamiliar digits nearly as well as its own
    drift = (f"This model gives the digits it never saw back about as well as its own: their error per ink pixel "
             f"is {ratio:.1f} times that of the classes it was trained on (table above). ")
else:
    drift = ("A model trained on one class (pick the model of 2s in the sidebar) gives a held-out 2 back clean "
             "and bends other digits into 2-like strokes. ")
notice(
    "The reconstruction is not a copy: it is built only from the features the model learnt. " + drift +
    "Run several rounds and any image drifts toward the model's own idea of a digit. "
    "What a model gives back measures what it has seen."
)
