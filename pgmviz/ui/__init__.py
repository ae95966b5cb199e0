"""The streamlit-aware part of pgmviz: the only package here that imports streamlit.

``lessons``  the lesson registry (plain data: what pages exist, and their order)
``layout``   page furniture: ``lesson_header``, ``notice``, ``lesson_link``, ``warm_up_kernels``
``models``   the session's current model (pretrained or the user's own)

Import the submodules directly (``from pgmviz.ui.layout import notice``); this package imports
nothing itself, so ``pgmviz.ui.lessons`` stays usable without streamlit.
"""
