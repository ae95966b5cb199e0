"""Fantasy chains drawn: every recorded frame as an *index image*, one uint8 array for the whole animation.

Per chain, a frame shows v_t | p(v | h_t) | h_t side by side (`render_frames`, laid out by
`frame_layout`). Index values 0..GREY_MAX are a grey ramp for pixels and a few values above it
name the colours of the hidden units and the gaps (`PALETTE`); `colorize` turns frames into RGB,
`frame_png` / `gif` encode them, `contact_sheet` puts the chains' samples side by side. What is
drawn comes from `pgmviz.sampling.chains.run_chains` (a `ChainRecord`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from pgmviz.sampling.chains import ChainRecord
from pgmviz.viz import gif_bytes, tile, upscale

# --- the animation's palette -------------------------------------------------------------------
GREY_MAX = 250  # pixel intensity p in [0, 1] -> round(p * GREY_MAX)
GAP, H_OFF, H_ON = 251, 253, 254  # index values above the grey ramp
BACKGROUND = (43, 51, 64)   # slate: the gaps between pictures and chains
HIDDEN_OFF = (70, 52, 36)   # dark amber: a hidden unit that is off
HIDDEN_ON = (255, 176, 0)   # amber: a hidden unit that is on (a different layer, a different colour)


def _palette() -> np.ndarray:
    lut = np.zeros((256, 3), dtype=np.uint8)
    lut[: GREY_MAX + 1] = np.round(np.linspace(0, 255, GREY_MAX + 1))[:, None]
    lut[GREY_MAX + 1:] = BACKGROUND
    lut[H_OFF], lut[H_ON] = HIDDEN_OFF, HIDDEN_ON
    lut.setflags(write=False)
    return lut


PALETTE = _palette()  # (256, 3) uint8: index image value -> RGB


def hidden_grid_shape(n_h: int, max_rows: int) -> tuple[int, int]:
    """(rows, cols) of the small grid that draws the hidden units: near square, <= max_rows tall."""
    rows = max(1, min(max_rows, int(np.ceil(np.sqrt(n_h)))))
    return rows, int(np.ceil(n_h / rows))


@dataclass(frozen=True)
class FrameLayout:
    """Where each chain's three panels (v | p(v|h) | h) sit in a frame; all sizes in pixels."""

    image_shape: tuple[int, int]   # (h, w) of a visible picture
    hidden_shape: tuple[int, int]  # (rows, cols) of the hidden grid
    n_chains: int
    n_cols: int                    # chains per row of the frame
    gap: int = 1                   # between the panels of one chain
    pad: int = 3                   # between chains and around the frame

    @property
    def cell(self) -> tuple[int, int]:
        h, w = self.image_shape
        return h, 2 * w + self.hidden_shape[1] + 2 * self.gap

    @property
    def n_rows(self) -> int:
        return int(np.ceil(self.n_chains / self.n_cols))

    @property
    def shape(self) -> tuple[int, int]:
        ch, cw = self.cell
        return self.n_rows * (ch + self.pad) + self.pad, self.n_cols * (cw + self.pad) + self.pad

    def origin(self, k: int) -> tuple[int, int]:
        """Top-left pixel of chain k's cell."""
        r, col = divmod(k, self.n_cols)
        ch, cw = self.cell
        return self.pad + r * (ch + self.pad), self.pad + col * (cw + self.pad)


def frame_layout(image_shape: tuple[int, int], n_h: int, n_chains: int, n_cols: int | None = None,
                 aspect: float = 1.6) -> FrameLayout:
    """A layout for n_chains cells, with about ``aspect`` (width / height) unless n_cols is given."""
    hidden = hidden_grid_shape(n_h, image_shape[0])
    probe = FrameLayout(tuple(image_shape), hidden, n_chains, 1)
    ch, cw = probe.cell
    if n_cols is None:
        n_cols = int(np.ceil(np.sqrt(n_chains * aspect * (ch + probe.pad) / (cw + probe.pad))))
    n_cols = int(max(1, min(n_chains, n_cols)))
    return FrameLayout(tuple(image_shape), hidden, n_chains, n_cols)


def render_frames(record: ChainRecord, image_shape: tuple[int, int], n_cols: int | None = None,
                  aspect: float = 1.6) -> np.ndarray:
    """Every frame of the record as an index image: per chain v | p(v|h) | h. (n_frames, H, W) uint8

    Colour them with `colorize`. Drawn once, all frames at a time, so an animation only has to
    pick a frame and colour it.
    """
    ih, iw = image_shape
    n_f, n, n_v = record.V.shape
    n_h = record.H.shape[2]
    if ih * iw != n_v:
        raise ValueError(f"image shape {image_shape} does not hold {n_v} visible units")
    lay = frame_layout((ih, iw), n_h, n, n_cols, aspect)
    out = np.full((n_f, *lay.shape), GAP, dtype=np.uint8)
    v_img = (record.V * np.uint8(GREY_MAX)).reshape(n_f, n, ih, iw)                       # (F, n, h, w)
    p_img = np.rint(record.P_v.astype(np.float32) * GREY_MAX).astype(np.uint8).reshape(n_f, n, ih, iw)
    hr, hc = lay.hidden_shape
    h_img = np.full((n_f, n, hr * hc), GAP, dtype=np.uint8)
    h_img[:, :, :n_h] = np.where(record.H > 0, H_ON, H_OFF)
    h_img = h_img.reshape(n_f, n, hr, hc)                                                  # (F, n, hr, hc)
    h_top = (ih - hr) // 2  # centre the hidden grid vertically next to the pictures
    for k in range(n):
        y, x = lay.origin(k)
        out[:, y:y + ih, x:x + iw] = v_img[:, k]
        x += iw + lay.gap
        out[:, y:y + ih, x:x + iw] = p_img[:, k]
        x += iw + lay.gap
        out[:, y + h_top:y + h_top + hr, x:x + hc] = h_img[:, k]
    return out


def colorize(index_image: np.ndarray, scale: int = 1) -> np.ndarray:
    """Index image(s) (..., H, W) uint8 -> RGB (..., H*scale, W*scale, 3) uint8, crisp upscaling."""
    rgb = PALETTE[index_image]
    if scale > 1:
        rgb = rgb.repeat(scale, axis=-3).repeat(scale, axis=-2)
    return rgb


def frame_png(index_image: np.ndarray) -> bytes:
    """One index-image frame as a palette PNG: one byte per pixel, no upscaling (let the browser
    scale it with ``image-rendering: pixelated``), so an animation tick encodes in a few ms."""
    from PIL import Image  # imported here: only a page drawing frames needs it

    im = Image.fromarray(np.ascontiguousarray(index_image, dtype=np.uint8), "L")
    im.putpalette(PALETTE.tobytes())  # "L" + palette -> "P"
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def gif(frames: np.ndarray, scale: int = 2, duration_ms: int = 120) -> bytes:
    """An animated GIF of index-image frames (n_frames, H, W), each upscaled by ``scale``."""
    return gif_bytes([upscale(f, scale) for f in frames], duration_ms=duration_ms, palette=PALETTE)


def contact_sheet(V: np.ndarray, image_shape: tuple[int, int], n_cols: int | None = None,
                  scale: int = 3) -> np.ndarray:
    """The chains' samples (n, n_v) in [0, 1] side by side, white on black; RGB uint8."""
    grid = tile(np.rint(np.asarray(V, dtype=np.float32) * GREY_MAX).astype(np.uint8), image_shape,
                n_cols=n_cols, pad=2, fill=GAP)
    return upscale(PALETTE[grid], scale)
