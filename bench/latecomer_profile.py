"""The latecomer's page in Chromium, taken apart: ready time, JS chunks, long tasks, time to each kind of element.

    python bench/latecomer_profile.py --urls old=http://localhost:8771,new=http://localhost:8772 --visits 6
    python bench/latecomer_profile.py --urls ... --session      # one tab: Home, read 3 s, then Energy by its link

Each server is a running ``streamlit run app.py`` (e.g. two trees, before and after a change); each
is warmed by one visit, then the visits are interleaved, each in a fresh browser context. Printed per
visit: DOMContentLoaded, page ready as ``wait_idle`` once stamped it (when its check was *asked*)
and as the page answered (``ready_seen``: the figure to use, bench/README.md), what was on the page
then, the main thread's long tasks (count and ms), when each kind of element first appeared
(``performance.now()``), and the JS chunks fetched; then medians per server. Not a test; numbers
only mean something against another server's in the same run.
"""
import argparse
import importlib.util
import json
import os
import statistics
import time
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "cf", Path(__file__).resolve().parents[1] / "tests" / "browser" / "conftest.py")
cf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cf)

OBS_JS = """() => {
  window.__lt = []; window.__first = {};
  new PerformanceObserver(l => { for (const e of l.getEntries()) window.__lt.push([e.startTime, e.duration]); })
    .observe({type: 'longtask', buffered: true});
  const kinds = {dataframe: '[data-testid="stDataFrame"] canvas, [data-testid="stDataFrame"] .dvn-scroller',
                 table: '[data-testid="stTable"] table', plotly: '[data-testid="stPlotlyChart"] .main-svg',
                 latex: '.katex', graphviz: '[data-testid="stGraphVizChart"] svg', header: 'h1',
                 svg: '.pgmviz-svg svg, .pgmviz-graph svg'};  // pgmviz.ui.svg's charts, server-laid graphviz
  const look = () => { for (const [k, s] of Object.entries(kinds))
      if (!(k in window.__first) && document.querySelector(s)) window.__first[k] = performance.now(); };
  new MutationObserver(look).observe(document, {subtree: true, childList: true});
}"""


COUNT_JS = """() => ({plotly: document.querySelectorAll('[data-testid="stPlotlyChart"]').length,
  plotly_drawn: document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg').length / 2,
  frames: document.querySelectorAll('[data-testid="stDataFrame"]').length,
  frames_drawn: document.querySelectorAll('[data-testid="stDataFrame"] canvas').length,
  tables: document.querySelectorAll('[data-testid="stTable"]').length,
  katex: document.querySelectorAll('.katex').length,
  graphviz: document.querySelectorAll('[data-testid="stGraphVizChart"] svg').length,
  svg: document.querySelectorAll('.pgmviz-svg svg, .pgmviz-graph svg').length})"""


def wait_idle_page(page, timeout=60.0, quiet=0.5):
    """conftest.wait_idle, but each check's time taken when the page answered (after the evaluate returns).

    Returns (monotonic time the final idle stretch began, as wait_idle would report it, i.e. the time
    *before* the check that first saw it idle; monotonic time that check returned)."""
    deadline = time.monotonic() + timeout
    idle_before = idle_after = None
    while True:
        before = time.monotonic()
        busy = page.evaluate(cf._BUSY_JS)
        after = time.monotonic()
        if busy:
            idle_before = idle_after = None
        elif idle_before is None:
            idle_before, idle_after = before, after
        elif after - idle_after >= quiet:
            return idle_before, idle_after
        if after > deadline:
            raise TimeoutError(busy)
        page.wait_for_timeout(50)


def visit(browser, url, page, session):
    ctx = browser.new_context(viewport=cf.VIEWPORT, device_scale_factor=1)
    tab = ctx.new_page()
    tab.set_default_timeout(60_000)
    res = []
    tab.on("response", lambda r: res.append(r.url))
    out = {}
    try:
        if session:
            t0 = time.monotonic()
            tab.goto(f"{url}/", wait_until="domcontentloaded")
            out["home"] = wait_idle_page(tab, timeout=60)[1] - t0
            time.sleep(3.0)  # the student reads Home, then clicks Energy in the sidebar
            res.clear()
            tab.evaluate(OBS_JS)
            link = tab.locator('[data-testid="stSidebarNav"] a[href$="/energy"]').first
            t0 = time.monotonic()
            link.click()
            tab.wait_for_function("() => location.pathname.endsWith('/energy') && [...document.querySelectorAll('h1')]"
                                  ".some(h => h.innerText.includes('Energy'))", timeout=60_000)
            b, a = wait_idle_page(tab, timeout=60)
            out["ready"], out["ready_seen"] = b - t0, a - t0
        else:
            tab.add_init_script(script=f"({OBS_JS})()")
            t0 = time.monotonic()
            tab.goto(f"{url}/{page}", wait_until="domcontentloaded")
            out["dcl"] = time.monotonic() - t0
            b, a = wait_idle_page(tab, timeout=60)
            out["ready"], out["ready_seen"] = b - t0, a - t0
        out["at_ready"] = tab.evaluate(COUNT_JS)
        lt = tab.evaluate("() => window.__lt || []")
        out["longtask_ms"] = round(sum(d for _, d in lt))
        out["longtasks"] = len(lt)
        out["first"] = {k: round(v / 1000, 2) for k, v in tab.evaluate("() => window.__first || {}").items()}
        out["js"] = sorted({u.rsplit("/", 1)[-1] for u in res if u.endswith(".js")})
        out["n_res"] = len(res)
    finally:
        ctx.close()
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--urls", required=True)
    p.add_argument("--page", default="energy")
    p.add_argument("--visits", type=int, default=5)
    p.add_argument("--session", action="store_true")
    p.add_argument("--show-js", action="store_true")
    a = p.parse_args()
    urls = dict(x.split("=", 1) for x in a.urls.split(","))
    from playwright.sync_api import sync_playwright
    rows = {k: [] for k in urls}
    print(f"load at start {os.getloadavg()}", flush=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=cf.CHROMIUM, args=cf.CHROMIUM_ARGS, headless=True)
        for name, url in urls.items():  # warm each server once
            visit(browser, url, a.page, False)
        for i in range(a.visits):
            for name, url in urls.items():  # interleaved
                r = visit(browser, url, a.page, a.session)
                rows[name].append(r)
                js = r.pop("js")
                print(name, i, json.dumps(r), f"load {os.getloadavg()[0]:.2f}", flush=True)
                if a.show_js and i == 0:
                    print("   js:", js)
        browser.close()
    for name, rs in rows.items():
        seen = [r["ready_seen"] for r in rs]
        print(f"{name}: ready as seen (after the check returned) median {statistics.median(seen):.2f}, "
              f"{min(seen):.2f}-{max(seen):.2f} ({' '.join(f'{x:.2f}' for x in seen)})")
        ready = [r["ready"] for r in rs]
        print(f"{name}: ready median {statistics.median(ready):.2f} s, range {min(ready):.2f}-{max(ready):.2f}"
              f" ({' '.join(f'{x:.2f}' for x in ready)}); long tasks median "
              f"{statistics.median(r['longtask_ms'] for r in rs)} ms", flush=True)
    print(f"load at end {os.getloadavg()}")


main()
