"""Pictures: tiling puts each image where it belongs; colours and encodings round-trip."""

import io

import numpy as np
import pytest
from PIL import Image

from pgmviz import viz


def test_tile_places_each_image_in_its_cell():
    imgs = np.arange(5 * 6, dtype=float).reshape(5, 6)  # five 2x3 images
    grid = viz.tile(imgs, (2, 3), n_cols=2, pad=1, fill=-1)
    assert grid.shape == (3 * 3 + 1, 2 * 4 + 1)
    np.testing.assert_array_equal(grid[1:3, 1:4], imgs[0].reshape(2, 3))
    np.testing.assert_array_equal(grid[1:3, 5:8], imgs[1].reshape(2, 3))
    np.testing.assert_array_equal(grid[7:9, 1:4], imgs[4].reshape(2, 3))
    assert (grid[7:9, 5:8] == -1).all()  # the empty sixth cell


def test_tile_keeps_colour_channels():
    rgb = np.zeros((4, 3, 3, 3), np.uint8)
    rgb[2] = 200
    grid = viz.tile(rgb, (3, 3), n_cols=2, pad=1, fill=255)
    assert grid.shape == (9, 9, 3)
    assert (grid[5:8, 1:4] == 200).all()


def test_upscale_is_nearest_neighbour():
    img = np.array([[0, 1], [2, 3]], np.uint8)
    big = viz.upscale(img, 3)
    assert big.shape == (6, 6) and (big[:3, 3:] == 1).all() and (big[3:, :3] == 2).all()


def test_diverging_colours_are_white_at_zero_red_positive_blue_negative():
    c = viz.diverging_rgb(np.array([-1.0, 0.0, 1.0]))
    assert c[1].tolist() == [255, 255, 255]
    assert c[2, 0] > c[2, 2] and c[0, 2] > c[0, 0]


def test_filter_grid_shape_and_per_filter_scaling():
    W = np.zeros((16, 3))
    W[:, 0] = 0.001  # a weak filter still shows full colour when scaled per filter
    W[:, 1] = 5.0
    g = viz.filter_grid(W, (4, 4), n_cols=3, scale=2)
    assert g.shape == ((4 + 2) * 2, (3 * 5 + 1) * 2, 3)
    weak = g[2:10, 2:10]
    assert (weak[..., 1] < 100).all()  # strongly red, not near-white
    g_global = viz.filter_grid(W, (4, 4), n_cols=3, scale=1, per_filter=False)
    assert g_global[1:5, 1:5, 1].min() > 240  # relative to the 5.0 filter, nearly white


def test_gif_round_trip():
    frames = [np.full((4, 4), v, np.uint8) for v in (0, 128, 255)]
    gif = Image.open(io.BytesIO(viz.gif_bytes(frames, 50)))
    assert gif.n_frames == 3
    with pytest.raises(ValueError):
        viz.gif_bytes([])


def test_image_shape_for():
    assert viz.image_shape_for(784) == (28, 28)
    assert viz.image_shape_for(256) == (16, 16)
    assert viz.image_shape_for(10) == (1, 10)


def test_stacked_filters_is_the_product_of_the_weights():
    from pgmviz.viz import stacked_filters

    W1 = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])  # (n_v = 3, n_1 = 2)
    W2 = np.array([[1.0, 0.0, 2.0], [-1.0, 1.0, 0.0]])  # (n_1 = 2, n_2 = 3)
    np.testing.assert_array_equal(stacked_filters([W1]), W1)
    # unit 0 of layer 2 = filter 0 - filter 1 of layer 1
    np.testing.assert_allclose(stacked_filters([W1, W2])[:, 0], W1[:, 0] - W1[:, 1])
    assert stacked_filters([W1, W2]).shape == (3, 3)
