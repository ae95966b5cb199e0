"""pgmviz.ui.graphs: the CSS that gives a graphviz chart's text back the sizes its DOT set."""

from __future__ import annotations

from pgmviz.ui.graphs import font_css


def test_one_rule_per_font_size_and_the_graphviz_default():
    css = font_css('digraph { node [fontsize=20]; edge [fontsize = "12.5"]; a -> b }', "pc_graph")
    assert css.startswith("<style>") and css.endswith("</style>")
    for attr, px in (("12.50", "12.5"), ("14.00", "14"), ("20.00", "20")):
        assert f'.st-key-pc_graph svg text[font-size="{attr}"] {{ font-size: {px}px; }}' in css
    assert css.count("font-size:") == 3


def test_rules_are_scoped_to_the_container():
    css = font_css("graph { a -- b }", "home_map_0")
    assert all(rule.strip().startswith(".st-key-home_map_0 svg text")
               for rule in css.removeprefix("<style>").removesuffix("</style>").split("}") if rule.strip())
