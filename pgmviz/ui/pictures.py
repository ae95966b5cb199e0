"""Pixel pictures for pages that redraw every frame: a small PNG in the frame's message, drawn large with crisp pixels.

Encoding the picture at its own resolution and letting the browser enlarge it costs a fraction of
encoding the enlarged copy (a 100-filter grid: about 1 ms against 15); ``image-rendering: pixelated``
keeps the enlargement sharp, as ``np.kron`` did. The slide files are enlarged on the server, on click.
A page keeps the `Enlarged` pictures of the state it drew: a frame that finds no new state redraws
them without encoding again.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

from pgmviz import viz
from pgmviz.ui import figures, slides

PIXELATED = "<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>"


def png(img: np.ndarray) -> bytes:
    """PNG with light compression: several times faster to encode than the default, nearly as small."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def data_url(img: np.ndarray) -> str:
    """The picture as a data URL for ``st.image``: it travels inside the frame's message.

    As a media file (the default for arrays and bytes) each frame's picture is a separate
    download that the next frame deletes on the server; when the browser falls behind, it asks
    for a file that is already gone and shows a broken image.
    """
    return "data:image/png;base64," + base64.b64encode(png(img)).decode("ascii")


def crisp() -> None:
    """Draw this page's pictures with square pixels (once per page run, before the pictures)."""
    st.html(PIXELATED)


@dataclass(frozen=True)
class Enlarged:
    """A picture ready to draw: the image at one pixel per pixel, its scale, and its data URL (encoded once)."""

    img: np.ndarray
    scale: int
    url: str


def enlarge(img: np.ndarray, scale: int) -> Enlarged:
    """Encode ``img`` once, to be drawn ``scale`` times larger (keep it to redraw a frame whose data did not change)."""
    return Enlarged(img, max(1, int(scale)), data_url(img))


def enlarged(where, picture: Enlarged, *, name: str, caption: str | None = None) -> None:
    """The picture drawn ``scale`` times larger with crisp pixels, with its Slides downloads (enlarged on click)."""
    where.image(picture.url, width=picture.img.shape[1] * picture.scale, caption=caption)
    slides.downloads(where, name, lambda fmt: figures.picture_file(viz.upscale(picture.img, picture.scale), fmt,
                                                                   caption=caption))
