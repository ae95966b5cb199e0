"""Charts and pictures with their figures for slides: ``st.plotly_chart`` / ``st.image`` plus PNG, SVG, PDF.

Every chart and picture a lesson shows goes through these two, in the container it was drawn in::

    from pgmviz.ui.slides import chart, picture

    chart(st, fig, key=P + "bars", width="stretch")        # st.plotly_chart(fig, key=..., width=...)
    chart(cols[1], fig, key=P + "curve")                   # cols[1].plotly_chart(...)
    svg_chart(st, markup, key=P + "bars", figure=make_fig)  # pgmviz.ui.svg's markup inline; make_fig() on download
    picture(st, img, name=P + "filters", width="content")  # st.image(img, width=...)

Under each, a small "Slides" popover offers the figure as PNG, SVG and PDF, redrawn by matplotlib
(``pgmviz.ui.figures``) with the page's colours and labels. The files are made only when a button
is clicked: ``st.download_button`` takes a callable, which Streamlit runs then, on a thread of its
own, so a page run that nobody downloads from pays for a popover, not for a conversion.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from pgmviz.ui import figures

LABEL = "Slides"
HELP = "This figure as PNG, SVG or PDF (drawn by matplotlib when you click), to put on a slide."


def chart(where, fig, *, key: str, **plotly_kwargs):
    """``where.plotly_chart(fig, key=key, ...)`` and the chart's PNG / SVG / PDF downloads below it."""
    shown = where.plotly_chart(fig, key=key, **plotly_kwargs)
    downloads(where, key, lambda fmt: figures.chart_file(fig, fmt))
    return shown


def svg_chart(where, markup: str, *, key: str, figure: Callable[[], object]):
    """An SVG chart (``pgmviz.ui.svg``) inline in ``where.container(key=key)``, and its PNG / SVG / PDF downloads.

    Inline (``st.markdown`` of one HTML block), so its ``<title>``s are hover tooltips; ``st.html`` would strip
    the SVG and ``st.image`` shows no tooltips. ``figure()`` builds the chart's Plotly twin for the
    downloads, only when one is clicked.
    """
    with where.container(key=key):
        shown = st.markdown(f'<div class="pgmviz-svg">{markup}</div>', unsafe_allow_html=True)
    downloads(where, key, lambda fmt: figures.chart_file(figure(), fmt))
    return shown


def picture(where, image, *, name: str, caption=None, **image_kwargs):
    """``where.image(image, ...)`` and the picture's PNG / SVG / PDF downloads; ``name`` names the files."""
    shown = where.image(image, caption=caption, **image_kwargs)
    title = caption if isinstance(caption, str) else None  # a list of captions stays on the page
    downloads(where, name, lambda fmt: figures.picture_file(image, fmt, caption=title))
    return shown


def downloads(where, name: str, make: Callable[[str], bytes], *, help: str = HELP,
              missing: str | None = None) -> None:
    """The "Slides" popover: one download button per format, each file made by ``make(fmt)`` on click.

    ``missing``: why the files cannot be made on this server (a program not installed), said in the
    popover instead of its buttons.
    """
    stem = name.strip("_") or "figure"
    with where.popover(LABEL, icon=":material/download:", type="tertiary", help=help):
        if missing is not None:
            st.caption(missing)
            return
        for fmt, mime in figures.FORMATS.items():
            # on_click="ignore": downloading must not rerun the page (a live run would lose its frame)
            st.download_button(fmt.upper(), data=_deferred(make, fmt), file_name=f"{stem}.{fmt}", mime=mime,
                               key=f"{stem}_slides_{fmt}", on_click="ignore", type="tertiary")


def _deferred(make: Callable[[str], bytes], fmt: str) -> Callable[[], bytes]:
    return lambda: make(fmt)
