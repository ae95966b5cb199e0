"""A digit from the user: drawn on the canvas (streamlit-drawable-canvas), painted over, or uploaded.

One copy for Reconstructions, Generate and Inference with evidence. Bad input never takes a page down: a
canvas that cannot load or a file that is not a picture gives ``st.error`` (with the page's advice,
``instead``) and None.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from pgmviz import user_digits

SIZE = 280  # px: ten canvas pixels per MNIST pixel


def _component(instead: str):
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception as e:  # noqa: BLE001 (a component that cannot load must not take the page down)
        st.error(f"The drawing canvas is not available here ({type(e).__name__}: {e}).{instead}")
        return None
    return st_canvas


def draw_digit(key: str, instead: str = "") -> np.ndarray | None:
    """What is drawn, white on black, as a 28x28 MNIST-style digit in [0, 1] (``user_digits.digit_from_array``),
    or None while the canvas is empty."""
    st_canvas = _component(instead)
    if st_canvas is None:
        return None
    res = st_canvas(stroke_width=22, stroke_color="#FFFFFF", background_color="#000000", height=SIZE, width=SIZE,
                    drawing_mode="freedraw", return_image_data=True, key=key)
    if res is None or res.image_data is None:
        return None
    try:
        return user_digits.digit_from_array(res.image_data)
    except ValueError:  # an empty canvas: nothing drawn yet
        return None


def paint_over(background: np.ndarray, key: str, instead: str = "") -> np.ndarray | None:
    """Brush strokes painted over a (SIZE x SIZE) picture: the canvas's RGBA, strokes only, or None."""
    st_canvas = _component(instead)
    if st_canvas is None:
        return None
    bg = Image.fromarray(background).convert("RGB")
    res = st_canvas(stroke_width=24, stroke_color="rgba(92, 107, 192, 0.85)", background_image=bg, height=SIZE,
                    width=SIZE, drawing_mode="freedraw", return_image_data=True, key=key)
    return None if res is None else res.image_data


def upload_digit(key: str) -> np.ndarray | None:
    """An uploaded picture of one digit as a 28x28 MNIST-style digit (``user_digits.load_image``), or None."""
    up = st.file_uploader("A picture of one digit (PNG, JPG, ...)", key=key,
                          type=["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"])
    if up is None:
        return None
    try:
        return user_digits.load_image(up.getvalue())
    except ValueError as e:
        st.error(f"Could not use {up.name}: {e}")
    except Exception as e:  # noqa: BLE001 (Pillow raises many types on broken files)
        st.error(f"Could not read {up.name} as an image ({type(e).__name__}: {e})")
    return None
