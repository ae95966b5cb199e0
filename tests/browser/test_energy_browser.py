"""Energy and probability in Chromium: its five charts are inline SVG drawn on the server (pgmviz.ui.svg), so the
page loads no Plotly code, every bar carries its value as a hover tooltip, and the text follows the theme."""

from __future__ import annotations

CHARTS = ("en_graph", "en_joint_bar", "en_marg_bar", "en_qubo", "en_cond_bar")
JS_FETCHED = "() => performance.getEntriesByType('resource').map(e => e.name.split('/').pop())"
TABLE_P_JS = """() => {
  const t = [...document.querySelectorAll('[data-testid="stTable"] table')]
    .find(t => [...t.querySelectorAll('thead th')].some(th => th.innerText.trim() === 'Σ_h p(v,h)'));
  if (!t) return [];
  const col = [...t.querySelectorAll('thead tr:last-child > *')].findIndex(th => th.innerText.trim() === 'Σ_h p(v,h)');
  return [...t.querySelectorAll('tbody tr')].map(r => r.children[col].innerText.trim());
}"""


def reveal_the_marginal(page, wait_idle) -> None:
    """Section 3's table and chart are shown once the question is answered (pgmviz.ui.predict): answer it."""
    if page.locator(".st-key-en_marg_bar").count():
        return
    box = page.locator(".st-key-en_q_mode__box")
    box.locator('[data-testid="stRadio"] label').first.click()  # any guess, then Commit
    wait_idle(page, timeout=60)
    box.get_by_role("button", name="Commit").click()
    wait_idle(page, timeout=60)


def open_section(page, wait_idle, label: str) -> None:
    """Open one of sections 4-7 (drawn on demand, pgmviz.ui.layout.on_demand) by clicking its expander."""
    page.locator('[data-testid="stExpander"] summary', has_text=label).first.click()
    wait_idle(page, timeout=60)


def test_the_charts_are_inline_svg_with_tooltips_and_no_plotly(page, open_app, wait_idle):
    page.add_init_script("performance.setResourceTimingBufferSize(5000)")
    open_app("energy")
    reveal_the_marginal(page, wait_idle)
    assert page.locator(".st-key-en_qubo, .st-key-en_cond_bar").count() == 0  # sections 5 and 6: not drawn yet
    open_section(page, wait_idle, "The whole energy as one matrix Q")
    open_section(page, wait_idle, "Couple two hidden units")
    for key in CHARTS:
        assert page.locator(f".st-key-{key} .pgmviz-svg svg").count() == 1, key
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    assert not [f for f in page.evaluate(JS_FETCHED) if f.startswith("PlotlyChart.")]  # no Plotly code loaded
    # each bar of p(v) carries the same value as section 3's table, in its tooltip
    tips = page.locator(".st-key-en_marg_bar rect.bar title").all_text_contents()
    shown = page.evaluate(TABLE_P_JS)
    assert len(tips) == 8 and len(shown) == 8
    assert [t.rsplit("= ", 1)[1] for t in tips] == [f"{float(x):.5f}" for x in shown]
    # the axis text takes the page's text colour (currentColor), so it reads in a dark theme too
    colours = page.evaluate("""() => [getComputedStyle(document.querySelector('.st-key-en_joint_bar text.xtitle')).fill,
                                     getComputedStyle(document.querySelector('.st-key-en_joint_bar')).color]""")
    assert colours[0] == colours[1]
    assert not page.js_errors, page.js_errors


def test_a_chart_downloads_for_slides_with_its_labels(page, open_app):
    """The Slides popover under an SVG chart: its Plotly twin redrawn by matplotlib, with the chart's labels."""
    from tests.browser.test_figures_browser import download
    from tests.unit.test_figures import open_png, open_svg, svg_text

    open_app("energy")
    index = 0  # the model's graph is the page's first chart, its popover the first (the title below says so)
    text = svg_text(open_svg(download(page, index, "svg")))
    assert "The RBM as an undirected graph (an MRF)" in text and "visible v" in text and "h2" in text
    assert open_png(download(page, index, "png")).size[0] > 300


SECTIONS = ("The same p(v, h) as a product of potentials", "The whole energy as one matrix Q",
            "Couple two hidden units", "The curvature of log p in θ")


def test_every_section_opens_and_stays_open(page, open_app, wait_idle, assert_no_exception, save_screenshot):
    """Sections 4-7 come closed (drawn on demand); each opens with its tables and charts, and an opened
    section is still open after a visit to another page (the README's screenshot of the whole lesson)."""
    open_app("energy")
    reveal_the_marginal(page, wait_idle)
    tables = page.locator('[data-testid="stTable"]').count()
    for label in SECTIONS:
        open_section(page, wait_idle, label)
        assert_no_exception(page)
    assert page.locator('[data-testid="stTable"]').count() == tables + 4  # factors, Q, p(h|v), curvature
    assert page.locator(".st-key-en_qubo .pgmviz-svg svg, .st-key-en_cond_bar .pgmviz-svg svg").count() == 2
    save_screenshot(page, "energy_open")
    page.locator('[data-testid="stSidebarNav"] a[href$="/filters"]').first.click()
    page.wait_for_function("() => location.pathname.endsWith('/filters')", timeout=60_000)
    wait_idle(page, timeout=120)
    page.locator('[data-testid="stSidebarNav"] a[href$="/energy"]').first.click()
    page.wait_for_function("() => location.pathname.endsWith('/energy')", timeout=60_000)
    wait_idle(page, timeout=120)
    assert page.locator(".st-key-en_cond_bar .pgmviz-svg svg").count() == 1
    assert not page.js_errors, page.js_errors
