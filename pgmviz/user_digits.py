"""A user's digit as an MNIST image: an uploaded picture or a drawing, float32 (784,) in [0, 1], ink high.

Centred and scaled like MNIST's digits; a file that is not a picture, too big or blank is a
``ValueError`` saying so.
"""

from __future__ import annotations

import io

import numpy as np

from pgmviz.data import N_PIXELS, SIDE, to_unit

MAX_IMAGE_BYTES = 20 * 2**20    # uploaded picture, encoded
MAX_IMAGE_SIDE = 4096           # pixels, checked before decoding (guards against decompression bombs)


def load_image(data: bytes) -> np.ndarray:
    """A user's picture of a digit as an MNIST-like image: float32 (784,) in [0, 1], ink high.

    Decodes PNG/JPG/... with Pillow (any size up to 4096 px a side, any colour mode), then
    ``digit_from_array`` does what MNIST's makers did: ink made bright on black, cropped to
    its bounding box, scaled to fit a 20x20 box and centred by mass in 28x28.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"expected the file's bytes; got {type(data).__name__}")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"image file too large: {len(data) / 2**20:.1f} MB (limit {MAX_IMAGE_BYTES // 2**20} MB)")
    if len(data) == 0:
        raise ValueError("not an image: the file is empty")
    try:
        img = Image.open(io.BytesIO(data))
        w, h = img.size  # read from the header, before any pixels are decoded
        if max(w, h) > MAX_IMAGE_SIDE:
            raise ValueError(f"image too large: {w}x{h} px (limit {MAX_IMAGE_SIDE} px a side)")
        img.load()
        img = ImageOps.exif_transpose(img)  # phone photos carry their rotation in EXIF
    except (UnidentifiedImageError, Image.DecompressionBombError) as e:
        raise ValueError(f"not an image (or a format Pillow cannot read): {e}") from e
    except (OSError, SyntaxError, EOFError) as e:
        raise ValueError(f"not an image: the file is damaged or truncated ({e})") from e
    return digit_from_array(_pil_to_gray(img))


def _pil_to_gray(img) -> np.ndarray:
    """Any Pillow image -> luminance float64 (H, W) in [0, 1], transparency composited away."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):  # 16-bit / 32-bit grayscale
        a = np.asarray(img, dtype=np.float64)
        if img.mode == "F":
            top = max(1.0, float(a.max()))
        else:
            top = 65535.0 if img.mode.startswith("I;16") or a.max() > 255 else 255.0
        return np.clip(a / top, 0, 1)
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if not has_alpha:
        return np.asarray(img.convert("L"), dtype=np.float64) / 255
    rgba = np.asarray(img.convert("RGBA"), dtype=np.float64) / 255
    alpha = rgba[..., 3]
    lum = np.asarray(img.convert("RGBA").convert("L"), dtype=np.float64) / 255
    # Usually dark ink on a transparent sheet: composite on white. If what is drawn is light
    # (white strokes on transparency, as canvas widgets export), composite on black instead,
    # otherwise the ink would vanish into the background.
    drawn_is_light = alpha.sum() > 0 and (lum * alpha).sum() / alpha.sum() > 0.5
    background = 0.0 if drawn_is_light else 1.0
    return alpha * lum + (1 - alpha) * background


def digit_from_array(img: np.ndarray) -> np.ndarray:
    """Preprocess a grayscale or colour picture of one digit like MNIST; float32 (784,) in [0, 1].

    Steps: to luminance; invert if the background (the median of the border pixels) is light,
    so ink is bright on black; stretch so background -> 0 and the strongest ink -> 1; crop to the
    ink's bounding box; scale the longer side to 20 px; place in 28x28 with the centre of mass
    at the centre (as LeCun et al. did for MNIST).

    Parameters
    ----------
    img : ndarray of shape (H, W), (H, W, 3) or (H, W, 4)
        uint8 (0..255) or float (0..1). An alpha channel is composited like ``load_image`` does.
    """
    from PIL import Image

    a = np.asarray(img)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        mode = "RGBA" if a.shape[2] == 4 else "RGB"
        u8 = a if a.dtype == np.uint8 else (to_unit(a) * 255).round().astype(np.uint8)
        a = _pil_to_gray(Image.fromarray(np.ascontiguousarray(u8), mode))
    elif a.ndim == 2:
        a = to_unit(a).astype(np.float64)
    else:
        raise ValueError(f"expected an image of shape (H, W), (H, W, 3) or (H, W, 4); got {a.shape}")
    if min(a.shape) < 1 or max(a.shape) > MAX_IMAGE_SIDE:
        raise ValueError(f"image size {a.shape[1]}x{a.shape[0]} px is outside 1..{MAX_IMAGE_SIDE}")

    edge = lambda m: np.concatenate([m[0], m[-1], m[:, 0], m[:, -1]])  # noqa: E731
    ink = 1 - a if np.median(edge(a)) > 0.5 else a       # MNIST is white ink on black
    lo, hi = np.median(edge(ink)), ink.max()              # background level, strongest ink
    if hi - lo < 0.1:
        raise ValueError("no digit found: the image is blank or has too little contrast")
    ink = np.clip((ink - lo) / (hi - lo), 0, 1)

    rows, cols = np.flatnonzero((ink > 0.25).any(axis=1)), np.flatnonzero((ink > 0.25).any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    ch, cw = crop.shape
    scale = 20 / max(ch, cw)                               # longer side -> 20 px, like MNIST
    nh, nw = max(1, round(ch * scale)), max(1, round(cw * scale))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    small = np.asarray(Image.fromarray(crop.astype(np.float32), "F").resize((nw, nh), resample))
    small = np.clip(small, 0, 1)

    mass = small.sum()
    cy = (small.sum(axis=1) @ np.arange(nh)) / mass        # centre of mass, in the patch's pixels
    cx = (small.sum(axis=0) @ np.arange(nw)) / mass
    top = int(np.clip(round((SIDE - 1) / 2 - cy), 0, SIDE - nh))
    left = int(np.clip(round((SIDE - 1) / 2 - cx), 0, SIDE - nw))
    out = np.zeros((SIDE, SIDE), dtype=np.float32)
    out[top:top + nh, left:left + nw] = small
    return out.reshape(N_PIXELS)
