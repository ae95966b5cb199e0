"""Fantasy chains drawn (pgmviz.chain_frames): each frame shows v | p(v|h) | h of every chain, in the palette."""

import io

import numpy as np
import pytest
from PIL import Image

from pgmviz import chain_frames
from pgmviz.models.rbm import RBM
from pgmviz.sampling import chains


@pytest.fixture(scope="module")
def digits_rbm() -> RBM:
    return RBM.random(16, 6, seed=1, sigma=0.5)


def test_frames_show_v_p_and_h_of_each_chain(digits_rbm):
    rec = chains.run_chains(digits_rbm, chains.start_noise(5, 16, rng=0), 8, 4, rng=0)
    frames = chain_frames.render_frames(rec, (4, 4), n_cols=2)
    lay = chain_frames.frame_layout((4, 4), 6, 5, n_cols=2)
    assert frames.shape == (3, *lay.shape) and frames.dtype == np.uint8
    hr, hc = lay.hidden_shape
    assert hr * hc >= 6 and hr <= 4
    for f in range(3):
        for k in range(5):
            y, x = lay.origin(k)
            want = rec.V[f, k].reshape(4, 4) * chain_frames.GREY_MAX
            np.testing.assert_array_equal(frames[f, y:y + 4, x:x + 4], want)
            p = frames[f, y:y + 4, x + 5:x + 9].astype(float) / chain_frames.GREY_MAX
            np.testing.assert_allclose(p, rec.P_v[f, k].reshape(4, 4), atol=0.005)
            top = (4 - hr) // 2
            h = frames[f, y + top:y + top + hr, x + 10:x + 10 + hc].ravel()[:6]
            np.testing.assert_array_equal(h == chain_frames.H_ON, rec.H[f, k] == 1)
            assert set(np.unique(h)) <= {chain_frames.H_ON, chain_frames.H_OFF}


def test_colours_gif_and_contact_sheet(digits_rbm):
    rec = chains.run_chains(digits_rbm, chains.start_noise(4, 16, rng=0), 6, 2, rng=0)
    frames = chain_frames.render_frames(rec, (4, 4))
    rgb = chain_frames.colorize(frames[1], scale=3)
    assert rgb.shape == (frames.shape[1] * 3, frames.shape[2] * 3, 3) and rgb.dtype == np.uint8
    assert (rgb[::3, ::3] == chain_frames.PALETTE[frames[1]]).all()
    gif = Image.open(io.BytesIO(chain_frames.gif(frames, scale=2, duration_ms=50)))
    assert gif.n_frames == rec.n_frames
    gif.seek(2)
    np.testing.assert_array_equal(np.asarray(gif.convert("RGB")), chain_frames.colorize(frames[2], 2))
    png = Image.open(io.BytesIO(chain_frames.frame_png(frames[1])))
    assert png.mode == "P" and png.size == (frames.shape[2], frames.shape[1])
    np.testing.assert_array_equal(np.asarray(png.convert("RGB")), chain_frames.colorize(frames[1]))
    sheet = chain_frames.contact_sheet(rec.V[-1], (4, 4), n_cols=4, scale=2)
    assert sheet.shape == ((4 + 4) * 2, (4 * 6 + 2) * 2, 3)


def test_layout_is_wider_than_tall_for_many_chains():
    lay = chain_frames.frame_layout((28, 28), 500, 36)
    h, w = lay.shape
    assert 1.0 < w / h < 3.0 and lay.n_rows * lay.n_cols >= 36
    assert chain_frames.frame_layout((28, 28), 500, 1).shape[0] < 40
