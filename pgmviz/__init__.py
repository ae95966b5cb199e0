"""pgmviz: Boltzmann machines and belief nets as graphical models, computed exactly where possible.

The library is pure Python + NumPy + Numba and never imports streamlit (only ``pgmviz.ui`` does).
Notation everywhere: visible ``v`` (n_v), hidden ``h`` (n_h), weights ``W`` of shape (n_v, n_h),
visible bias ``b``, hidden bias ``c``; batches are rows.
"""

from pgmviz.models.rbm import RBM

__all__ = ["RBM"]
__version__ = "0.1.0"
