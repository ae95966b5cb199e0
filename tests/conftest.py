"""Shared test setup.

The tests check the bundled MNIST subset's numbers, so a teacher's PGMVIZ_MNIST_DIR (full MNIST
for the app, see pgmviz.datasets) must not reach them, nor the app servers the browser tests start.
"""

import os

os.environ.pop("PGMVIZ_MNIST_DIR", None)
