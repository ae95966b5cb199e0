"""pgmviz.ui.pictures: the frame's data URL is the picture itself, pixel for pixel."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from pgmviz.ui.pictures import data_url, png


def test_data_url_decodes_to_the_same_pixels():
    img = np.random.default_rng(0).integers(0, 256, (7, 11, 3), dtype=np.uint8)
    url = data_url(img)
    assert url.startswith("data:image/png;base64,")
    back = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    np.testing.assert_array_equal(back, img)
    grey = img[..., 0]
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png(grey)))), grey)
