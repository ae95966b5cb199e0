"""Pictures of models and samples as uint8 arrays: tiled grids, diverging colours, GIF bytes.

Pages hand these arrays to ``st.image``; tiling in numpy and upscaling with ``np.kron`` (nearest
neighbour, so the browser shows crisp pixels) is far faster than a grid of matplotlib subplots.
"""

from __future__ import annotations

import io

import numpy as np


def image_shape_for(n_v: int) -> tuple[int, int]:
    """(rows, cols) to draw a visible vector of length n_v: square if possible, else one row."""
    side = int(round(np.sqrt(n_v)))
    return (side, side) if side * side == n_v else (1, n_v)


def upscale(img: np.ndarray, k: int) -> np.ndarray:
    """Nearest-neighbour upscaling by an integer factor (works on (H, W) and (H, W, C))."""
    k = max(1, int(k))
    if img.ndim == 2:
        return np.kron(img, np.ones((k, k), dtype=img.dtype))
    return img.repeat(k, axis=0).repeat(k, axis=1)


def tile(images: np.ndarray, shape: tuple[int, int], n_cols: int | None = None, pad: int = 1,
         fill: float = 0.5) -> np.ndarray:
    """Arrange rows of ``images`` (n, h*w) or (n, h, w[, C]) in a grid with ``pad`` pixels between."""
    images = np.asarray(images)
    n = images.shape[0]
    h, w = shape
    if images.ndim >= 3 and images.shape[1:3] == (h, w):
        extra = images.shape[3:]  # (n, h, w[, C])
    else:
        extra = images.shape[2:]  # (n, h*w[, C])
    images = images.reshape(n, h, w, *extra)
    n_cols = n_cols or int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / max(n_cols, 1)))
    out = np.full((n_rows * (h + pad) + pad, n_cols * (w + pad) + pad, *extra), fill, dtype=images.dtype)
    for k in range(n):
        r, c = divmod(k, n_cols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = images[k]
    return out


def to_uint8(img: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Linear map [lo, hi] -> [0, 255], clipped."""
    x = (np.asarray(img, dtype=np.float64) - lo) / max(hi - lo, 1e-12)
    return (np.clip(np.nan_to_num(x, nan=0.5), 0, 1) * 255).round().astype(np.uint8)


def diverging_rgb(X: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Blue (negative) - white (0) - red (positive) colours for a signed array; returns uint8 (..., 3)."""
    X = np.asarray(X, dtype=np.float64)
    limit = float(np.abs(X).max()) if limit is None else float(limit)
    t = np.clip(X / max(limit, 1e-12), -1, 1)
    pos, neg = np.clip(t, 0, 1), np.clip(-t, 0, 1)
    # white -> red (0.70, 0.09, 0.17) for positive, white -> blue (0.13, 0.40, 0.67) for negative
    r = 1 - neg * (1 - 0.13) - pos * (1 - 0.70)
    g = 1 - neg * (1 - 0.40) - pos * (1 - 0.09)
    b = 1 - neg * (1 - 0.67) - pos * (1 - 0.17)
    return (np.stack([r, g, b], axis=-1) * 255).round().astype(np.uint8)


def filter_grid(W: np.ndarray, image_shape: tuple[int, int], n_cols: int | None = None, scale: int = 3,
                per_filter: bool = True, max_filters: int | None = None) -> np.ndarray:
    """Each hidden unit's incoming weights W[:, j] as a diverging-colour image, tiled; uint8 RGB.

    With ``per_filter`` each filter uses its own colour range (shapes show even in weak units);
    otherwise one range for all (relative strengths show).
    """
    F = np.asarray(W, dtype=np.float64).T  # (n_h, n_v): one filter per row
    if max_filters is not None:
        F = F[:max_filters]
    if per_filter:
        F = F / np.maximum(np.abs(F).max(axis=1, keepdims=True), 1e-12)
    rgb = diverging_rgb(F.reshape(F.shape[0], *image_shape), 1.0 if per_filter else None)
    grid = tile(rgb, image_shape, n_cols=n_cols, pad=1, fill=255)
    return upscale(grid.astype(np.uint8), scale)


def stacked_filters(weights: list[np.ndarray]) -> np.ndarray:
    """F = W_1 W_2 ... W_l (n_v, n_l): what each unit of the l-th hidden layer looks for, in pixels.

    A unit of layer 2 is a weighted combination of layer-1 features, so its picture is the sum of the
    layer-1 filters weighted by its incoming weights: a linear view that ignores the sigmoids between.
    """
    F = np.asarray(weights[0], dtype=np.float64)
    for W in weights[1:]:
        F = F @ W  # (n_v, n_{k+1}): each column a combination of the columns below
    return F


def sample_grid(V: np.ndarray, image_shape: tuple[int, int], n_cols: int | None = None, scale: int = 3) -> np.ndarray:
    """Visible vectors in [0, 1] as a tiled grey-scale picture (white ink on black); uint8."""
    grid = tile(np.asarray(V, dtype=np.float64), image_shape, n_cols=n_cols, pad=1, fill=0.35)
    return upscale(to_uint8(grid), scale)


def gif_bytes(frames: list[np.ndarray], duration_ms: int = 100, loop: int = 0,
              palette: np.ndarray | None = None) -> bytes:
    """Encode uint8 frames (all the same shape) as an animated GIF.

    With ``palette`` ((256, 3) uint8) the frames are (H, W) index images into it: no colour
    quantisation, several times faster than handing over RGB frames.
    """
    from PIL import Image

    if not frames:
        raise ValueError("no frames to encode")
    imgs = [Image.fromarray(np.ascontiguousarray(f)) for f in frames]
    if palette is not None:
        pal = np.ascontiguousarray(palette, dtype=np.uint8).tobytes()
        imgs = [im.convert("L") if im.mode != "L" else im for im in imgs]
        for im in imgs:
            im.putpalette(pal)  # an "L" image with a palette becomes a "P" image
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=int(duration_ms), loop=loop)
    return buf.getvalue()
