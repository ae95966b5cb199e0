"""The session's current model: pretrained ones from assets/models, or the user's own.

Pretrained models are shared read-only across sessions (``st.cache_resource``): never mutate the
RBM returned by `current_model`; copy it first. A user's trained or uploaded models live in their
own ``st.session_state`` only.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pgmviz import datasets
from pgmviz.data import ASSETS_DIR
from pgmviz.io import load_model
from pgmviz.models.rbm import RBM
from pgmviz.ui import urlstate
from pgmviz.viz import image_shape_for

MODELS_DIR = ASSETS_DIR / "models"
_USER = "user_models"  # name -> {"rbm": RBM, "meta": dict}
_CURRENT = "current_model"
# A session keeps at most this many of its own models (trained or uploaded); storing one more drops
# the oldest that is not the current one. 784 x 500 is 1.5 MiB, so a student's share stays small.
MAX_USER_MODELS = 8


@st.cache_resource(show_spinner=False)
def pretrained_models() -> dict[str, dict]:
    """Every model bundled in assets/models, by its title (shared across sessions: read-only)."""
    out = {}
    for path in sorted(MODELS_DIR.glob("*.npz")):
        rbm, meta = load_model(path)
        meta.setdefault("title", path.stem)
        meta["source"] = "pretrained"
        out[meta["title"]] = {"rbm": rbm, "meta": meta}
    return out


@st.cache_resource(show_spinner="Loading data ...", max_entries=len(datasets.DATASETS))
def dataset(key: str) -> datasets.Dataset:
    """A named training set, one copy per server shared by every session: never mutate its arrays.

    Not st.cache_data, which unpickles a new copy for every call: each page run of each session
    then held its own (about 30 MiB for the 28x28 digits, 190 MiB with full MNIST), and the
    copies lived as long as the session's fragments.
    """
    return datasets.load(key)


def _user_models() -> dict[str, dict]:
    return st.session_state.setdefault(_USER, {})


def all_models() -> dict[str, dict]:
    return {**pretrained_models(), **_user_models()}


def set_current_model(name: str, rbm: RBM, meta: dict | None = None) -> None:
    """Store a user's model in the session and make it the current one for every page."""
    meta = dict(meta or {})
    meta.setdefault("image_shape", list(image_shape_for(rbm.n_v)))
    meta["source"] = meta.get("source", "yours")
    mine = _user_models()
    mine.pop(name, None)  # re-stored: now the newest
    mine[name] = {"rbm": rbm, "meta": meta}
    st.session_state[_CURRENT] = name
    while len(mine) > MAX_USER_MODELS:
        del mine[next(n for n in mine if n != name)]  # dicts keep insertion order: oldest first


def current_model(prefer: str | None = None) -> tuple[str, RBM, dict] | None:
    """(name, rbm, meta) of the current model, or of the first available one; None if there is none."""
    models = all_models()
    if not models:
        return None
    name = st.session_state.get(_CURRENT)
    if name not in models:
        name = prefer if prefer in models else next(iter(models))
        st.session_state[_CURRENT] = name
    entry = models[name]
    return name, entry["rbm"], entry["meta"]


def model_setting(prefer: str | None = None) -> urlstate.Setting:
    """The current model as a shareable setting (``urlstate.bind(P, {"model": model_setting(...)})``).

    A link names a pretrained model by its title; a user's own model exists only in their session,
    so a link to it opens the default. ``prefer`` is the default, as for `current_model`.
    """
    return urlstate.choice(prefer, all_models(), key=_CURRENT)


def image_shape(rbm: RBM, meta: dict) -> tuple[int, int]:
    shape = meta.get("image_shape")
    if shape and len(shape) == 2 and shape[0] * shape[1] == rbm.n_v:
        return int(shape[0]), int(shape[1])
    return image_shape_for(rbm.n_v)


def describe(name: str, rbm: RBM, meta: dict) -> str:
    bits = [f"{rbm.n_v} visible x {rbm.n_h} hidden"]
    if meta.get("sampler"):
        bits.append(str(meta["sampler"]).upper() + (f"-{meta['k']}" if meta.get("k") else ""))
    if meta.get("dataset") in datasets.DATASETS:
        bits.append(datasets.DATASETS[meta["dataset"]])
    if meta.get("step"):
        bits.append(f"{meta['step']} updates")
    return ", ".join(bits)


def _picked() -> None:
    st.session_state[_CURRENT] = st.session_state["model_picker"]


def model_picker(prefer: str | None = None) -> tuple[str, RBM, dict] | None:
    """Sidebar control: choose the current model (pretrained or yours) or upload a .npz."""
    with st.sidebar:
        st.markdown("**Current model**")
        current = current_model(prefer)
        models = all_models()
        if current is None:
            st.info("No model yet: train one on the *Filter learning* page or upload a .npz.")
        else:
            names = list(models)
            # The widget mirrors the session's current model, which other pages may change.
            st.session_state["model_picker"] = current[0]
            st.selectbox(
                "Model", names, key="model_picker", on_change=_picked,
                format_func=lambda n: f"{n} ({models[n]['meta'].get('source', '')})",
                label_visibility="collapsed",
            )
            st.caption(describe(*current))
        upload = st.file_uploader("Load a model (.npz saved by pgmviz)", type=["npz"], key="model_upload")
        if upload is not None and st.session_state.get("_model_upload_seen") != upload.file_id:
            st.session_state["_model_upload_seen"] = upload.file_id
            try:
                rbm, meta = load_model(upload.getvalue())
            except ValueError as e:
                st.error(f"Could not load {upload.name}: {e}")
            else:
                meta["source"] = "uploaded"
                set_current_model(Path(upload.name).stem, rbm, meta)
                current = current_model()
                st.success(f"Loaded {upload.name}: {rbm.n_v} x {rbm.n_h}")
    return current
