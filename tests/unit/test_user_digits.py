"""pgmviz.user_digits: pictures in every mode and both colourings give the same digit; bad files are refused."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pgmviz import data, user_digits
from pgmviz.data import (
    load_mnist_subset,
    to_unit,
)
from pgmviz.user_digits import digit_from_array, load_image


@pytest.fixture(scope="module")
def mnist():
    return load_mnist_subset()


def _drawn_seven(ink: int, paper: int, size=(90, 120), mode="L") -> Image.Image:
    img = Image.new(mode, size, paper)
    d = ImageDraw.Draw(img)
    d.line([(25, 25), (70, 25), (40, 100)], fill=ink, width=9)
    return img


def _png(img: Image.Image, fmt="PNG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def _check_digit(v: np.ndarray):
    assert v.shape == (784,) and v.dtype == np.float32
    assert v.min() >= 0 and v.max() <= 1
    img = v.reshape(28, 28)
    assert img.max() > 0.9                              # ink is high
    assert img[0].max() == img[-1].max() == img[:, 0].max() == img[:, -1].max() == 0  # margin
    ys, xs = np.nonzero(img > 0.25)
    assert max(np.ptp(ys), np.ptp(xs)) + 1 <= 21            # fits the 20-px box (one px of antialiasing)
    assert max(np.ptp(ys), np.ptp(xs)) + 1 >= 17            # and fills it along the longer side
    com = np.array([(img.sum(1) @ np.arange(28)), (img.sum(0) @ np.arange(28))]) / img.sum()
    assert np.all(np.abs(com - 13.5) <= 1.0)            # centred by mass
    assert 0.05 < (img > 0.5).mean() < 0.4


def test_load_image_white_on_black_and_black_on_white_agree():
    a = load_image(_png(_drawn_seven(ink=255, paper=0)))
    b = load_image(_png(_drawn_seven(ink=0, paper=255)))
    _check_digit(a)
    _check_digit(b)
    np.testing.assert_allclose(a, b, atol=0.02)


@pytest.mark.parametrize("variant", ["rgb_jpeg", "rgba_transparent", "rgba_white_on_clear", "palette", "gray_paper",
                                     "big"])
def test_load_image_modes(variant):
    if variant == "rgb_jpeg":
        img = _drawn_seven(ink=(20, 20, 120), paper=(250, 250, 240), mode="RGB")
        data_ = _png(img, "JPEG")
    elif variant == "rgba_transparent":  # dark ink on a transparent sheet
        img = _drawn_seven(ink=(0, 0, 0, 255), paper=(0, 0, 0, 0), mode="RGBA")
        data_ = _png(img)
    elif variant == "rgba_white_on_clear":  # what canvas widgets export
        img = _drawn_seven(ink=(255, 255, 255, 255), paper=(0, 0, 0, 0), mode="RGBA")
        data_ = _png(img)
    elif variant == "palette":
        data_ = _png(_drawn_seven(ink=0, paper=255).convert("P"))
    elif variant == "gray_paper":  # photographed paper is grey, not white
        data_ = _png(_drawn_seven(ink=40, paper=170))
    else:
        data_ = _png(_drawn_seven(ink=0, paper=255).resize((900, 1200)))
    _check_digit(load_image(data_))


def test_load_image_refusals():
    with pytest.raises(ValueError, match="not an image"):
        load_image(b"this is certainly not a PNG file")
    with pytest.raises(ValueError, match="not an image"):
        load_image(b"")
    with pytest.raises(ValueError, match="not an image"):
        load_image(_png(_drawn_seven(0, 255))[:200])  # truncated PNG
    with pytest.raises(ValueError, match="blank"):
        load_image(_png(Image.new("L", (50, 50), 255)))
    with pytest.raises(ValueError, match="too large"):
        load_image(_png(Image.new("1", (5000, 10), 1)))
    with pytest.raises(ValueError, match="too large"):
        load_image(b"\x00" * (user_digits.MAX_IMAGE_BYTES + 1))


def test_digit_from_array_matches_load_image():
    img = _drawn_seven(ink=255, paper=0)
    np.testing.assert_allclose(digit_from_array(np.asarray(img)), load_image(_png(img)), atol=1e-6)


def test_load_image_on_real_digits_gives_them_back(mnist):
    # MNIST digits blown up to 140x140 and inverted come back as themselves, up to a one-pixel
    # shift (centring by mass rounds to whole pixels, and the crop sees the blurred edges)
    X, _ = mnist
    for x in X[:10]:
        big = Image.fromarray(255 - x.reshape(28, 28)).resize((140, 140), Image.Resampling.BILINEAR)
        v = load_image(_png(big)).reshape(28, 28)
        u = to_unit(x).reshape(28, 28)
        best = max(
            np.corrcoef(u.ravel(), np.roll(v, (dy, dx), axis=(0, 1)).ravel())[0, 1]
            for dy in (-1, 0, 1) for dx in (-1, 0, 1)
        )
        assert best > 0.9


def test_shift_moves_pixels_and_fills_the_border_with_zeros():
    X = np.arange(1, 10, dtype=np.float32).reshape(1, 9)  # 3x3: 1 2 3 / 4 5 6 / 7 8 9
    right = data.shift(X, (3, 3), 1, 0).reshape(3, 3)
    np.testing.assert_array_equal(right, [[0, 1, 2], [0, 4, 5], [0, 7, 8]])
    up = data.shift(X, (3, 3), 0, -1).reshape(3, 3)
    np.testing.assert_array_equal(up, [[4, 5, 6], [7, 8, 9], [0, 0, 0]])
    np.testing.assert_array_equal(data.shift(X, (3, 3), 0, 0), X)
    with pytest.raises(ValueError, match="out of its frame"):
        data.shift(X, (3, 3), 3, 0)
    with pytest.raises(ValueError, match="shape"):
        data.shift(X, (4, 4), 1, 0)


def test_shifted_copies_keep_the_labels_and_the_originals_first():
    rng = np.random.default_rng(0)
    X = rng.random((5, 16)).astype(np.float32)
    y = np.arange(5)
    Xa, ya = data.shifted_copies(X, y, (4, 4), 1)
    assert Xa.shape == (45, 16) and ya.shape == (45,)
    np.testing.assert_array_equal(Xa[:5], X)
    np.testing.assert_array_equal(ya, np.tile(y, 9))
    # each of the nine blocks is a distinct shift
    blocks = {Xa[5 * i:5 * i + 5].tobytes() for i in range(9)}
    assert len(blocks) == 9
    with pytest.raises(ValueError, match="max_shift"):
        data.shifted_copies(X, y, (4, 4), 7)
