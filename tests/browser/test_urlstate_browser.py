"""Lesson links carry their settings (pgmviz.ui.urlstate) in a real browser: a deep link with
settings in its query string opens the page with them, a reload keeps them, a control changed in
the page reaches the address bar (and survives a reload too), and a bad value is ignored."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse


def params(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query, keep_blank_values=True).items()}


def number(page, key: str) -> str:
    return page.locator(f".st-key-{key} input").first.input_value()


def checked(page, key: str) -> bool:
    return page.locator(f".st-key-{key} input[type=checkbox]").first.is_checked()


def test_deep_link_reload_and_edit(page, open_app, wait_idle, assert_no_exception, save_screenshot):
    open_app("explaining_away?ea_w_truck=5&ea_jump=0&ea_b_quake=nan&ea_seed=7")
    assert page.locator("h1", has_text="Explaining away").first.is_visible()
    # the link's values reach the widgets; the bad one is ignored
    assert number(page, "ea_w_truck") == "5" and not checked(page, "ea_jump")
    assert number(page, "ea_b_quake") == "-10" and number(page, "ea_seed") == "7"
    assert page.get_by_text("p(house does not jump)").first.is_visible()  # the evidence the link set
    # the address keeps the page's settings (the bad value replaced by the setting shown: left out)
    assert params(page) == {"ea_w_truck": "5", "ea_jump": "0", "ea_seed": "7"}
    save_screenshot(page, "urlstate_deep_link")

    page.reload(wait_until="domcontentloaded")
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert number(page, "ea_w_truck") == "5" and not checked(page, "ea_jump") and number(page, "ea_seed") == "7"

    # a change made in the page goes to the address bar, and so survives a reload
    box = page.locator(".st-key-ea_w_quake input").first
    box.fill("12")
    box.press("Enter")
    wait_idle(page, timeout=60)
    page.wait_for_function("() => location.search.includes('ea_w_quake=12')", timeout=30_000)
    page.reload(wait_until="domcontentloaded")
    wait_idle(page, timeout=120)
    assert_no_exception(page)
    assert number(page, "ea_w_quake") == "12" and number(page, "ea_w_truck") == "5"
    assert not page.js_errors, page.js_errors


def test_deep_link_on_a_model_page(page, open_app):
    """A page with a sidebar model picker and a sampling setup: the link chooses both."""
    open_app("fantasy?fc_model=MNIST%20784x20%20CD-1&fc_n_chains=9&fc_start=data&fc_n_steps=1e999", timeout=180)
    sidebar = page.locator('[data-testid="stSidebar"]').first
    assert "784 visible x 20 hidden" in sidebar.inner_text()  # the picker's caption: not the default 784x500
    assert page.get_by_text("9 chains from test digits").first.is_visible()  # the run the button would start
    assert params(page) == {"fc_model": "MNIST 784x20 CD-1", "fc_n_chains": "9", "fc_start": "data"}
