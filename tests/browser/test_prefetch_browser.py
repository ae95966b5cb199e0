"""Home loads the lessons' chart code while the student reads it (pgmviz.ui.prefetch): in the same tab,
Energy and probability then draws its data grid without fetching its chunk again (its charts are SVG drawn on
the server, pgmviz.ui.svg; the Plotly chunk is for the lessons after it)."""

from __future__ import annotations

CHUNKS_JS = """() => performance.getEntriesByType('resource').map(e => e.name.split('/').pop())
    .filter(n => /^(PlotlyChart|DataFrame)\\.[^.]+\\.js$/.test(n))"""  # the JS (the grid's CSS comes with Energy)
ENERGY_SHOWN_JS = ("() => location.pathname.endsWith('/energy') && [...document.querySelectorAll('h1')]"
                   ".some(h => h.innerText.includes('Energy and probability'))")


def test_home_imports_the_chart_chunks_and_energy_finds_them(page, open_app, wait_idle, assert_no_exception):
    page.add_init_script("performance.setResourceTimingBufferSize(5000)")  # the default 250 would fill up
    open_app("")  # the root: "/home" would open Home under a "Page not found" dialog
    page.wait_for_function(f"() => ({CHUNKS_JS})().length === 2", timeout=60_000)
    fetched = sorted(page.evaluate(CHUNKS_JS))
    assert [f.split(".")[0] for f in fetched] == ["DataFrame", "PlotlyChart"]

    page.locator('[data-testid="stSidebarNav"] a[href$="/energy"]').first.click()
    page.wait_for_function(ENERGY_SHOWN_JS, timeout=60_000)
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert page.locator('.pgmviz-svg svg').count() == 3  # sections 1-3's charts drew, as SVG (4-7 open on demand)
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    assert page.locator('[data-testid="stDataFrame"]').count() == 1  # the joint table's grid
    assert sorted(page.evaluate(CHUNKS_JS)) == fetched  # from the tab's module map: not fetched again
    assert not page.js_errors, page.js_errors
