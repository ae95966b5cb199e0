"""A lesson's settings in the address bar, so a shared link (or a reload) opens the page as it was set.

A page names its shareable settings once, as a table ``name -> Setting``; the widgets keep their
usual keys, ``prefix + name``, and the URL uses the same names (``/fantasy?fc_n_chains=9``)::

    from pgmviz.ui import urlstate as url

    settings = url.bind(P, {
        "start": url.choice("noise", ["noise", "data"]),
        "n_chains": url.integer(16, 1, 36),
        "lr": url.number(0.1, 0.0, 10.0),
    })                                             # before the widgets
    st.slider("Chains", 1, 36, key=P + "n_chains")  # no value=: the value is in st.session_state
    ...
    settings.write()                               # after the widgets

``bind`` gives every setting its default in ``st.session_state`` unless the page already set one,
and the first time a setting is bound in a session (the first run after opening a link or
reloading) a value from the URL replaces it, if it parses and is allowed. Anything else ("abc",
"nan", "1e999", a huge number, a value that is not an option) is ignored without a word.
``write`` puts the settings that differ from their defaults into the URL and takes out the ones
at their default (or None), so an untouched page has a clean address. It touches only this page's
parameters and assigns one only when its text changes (each assignment is a message to the browser).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

_READ = "urlstate_read"  # prefix + this: the URL names already read in this session


@dataclass(frozen=True)
class Setting:
    """One shareable setting.

    default : its value when the URL has none; None if the page sets the session value itself
    parse   : URL text -> value; raises ValueError (or TypeError, ArithmeticError) if not allowed
    key     : the session-state key, if it is not ``prefix + name`` (e.g. a per-data-set widget)
    """

    default: Any
    parse: Callable[[str], Any]
    key: str | None = None


def text(value: Any) -> str:
    """A value as the URL shows it: 1/0 for booleans, 0.1 and 12 for floats, a,b for lists."""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(text(v) for v in value)
    if isinstance(value, numbers.Integral):  # also numpy integers
        return str(int(value))
    if isinstance(value, numbers.Real):
        r = repr(float(value))  # the shortest text that reads back as the same float
        return r[:-2] if r.endswith(".0") else r
    return str(value)


def integer(default: int | None, lo: int, hi: int, key: str | None = None) -> Setting:
    """An integer in [lo, hi] (a widget's min and max)."""

    def parse(s: str) -> int:
        v = int(s) if s.isascii() else _refuse(s)  # "1e3", "2.5" and 4301+ digits raise ValueError too
        if not lo <= v <= hi:
            raise ValueError(f"{v} not in [{lo}, {hi}]")
        return v

    return Setting(default, parse, key)


def number(default: float | None, lo: float, hi: float, key: str | None = None) -> Setting:
    """A finite float in [lo, hi]."""

    def parse(s: str) -> float:
        v = float(s) if s.isascii() else _refuse(s)
        if not (math.isfinite(v) and lo <= v <= hi):  # nan, inf and "1e999" (= inf) are refused
            raise ValueError(f"{v} not in [{lo}, {hi}]")
        return v

    return Setting(default, parse, key)


def choice(default: Any, options: Iterable, key: str | None = None) -> Setting:
    """One of ``options`` (of any type: matched by how the URL writes it)."""
    by_text = {text(o): o for o in options}

    def parse(s: str) -> Any:
        return by_text[s] if s in by_text else _refuse(s)

    return Setting(default, parse, key)


def subset(default: list | None, options: Iterable, key: str | None = None) -> Setting:
    """A list of distinct ``options``, written a,b,c (a multiselect or multi-select pills)."""
    by_text = {text(o): o for o in options}

    def parse(s: str) -> list:
        parts = s.split(",") if s else []
        if len(set(parts)) != len(parts) or not all(p in by_text for p in parts):
            _refuse(s)
        return [by_text[p] for p in parts]

    return Setting(default, parse, key)


def flag(default: bool | None, key: str | None = None) -> Setting:
    """A boolean, written 1 or 0 (true/false are read too)."""
    values = {"1": True, "0": False, "true": True, "false": False}

    def parse(s: str) -> bool:
        return values[s.lower()] if s.lower() in values else _refuse(s)

    return Setting(default, parse, key)


def _refuse(s: str):
    raise ValueError(f"not allowed: {s[:40]!r}")


class Binding:
    """The settings one ``bind`` call tied to the URL; ``write()`` them after the widgets."""

    def __init__(self, prefix: str, spec: Mapping[str, Setting]):
        self.prefix = prefix
        self.spec = dict(spec)

    def key(self, name: str) -> str:
        return self.spec[name].key or self.prefix + name

    def write(self) -> None:
        """Settings away from their defaults into the URL, the others out of it; only on change."""
        ss, qp = st.session_state, st.query_params
        for name, setting in self.spec.items():
            param, key = self.prefix + name, self.key(name)
            if key not in ss:
                continue
            value = None if ss[key] is None else text(ss[key])
            if value is None or (setting.default is not None and value == text(setting.default)):
                if param in qp:
                    del qp[param]
            elif qp.get(param) != value:
                qp[param] = value


def bind(prefix: str, spec: Mapping[str, Setting]) -> Binding:
    """Defaults into st.session_state, then, once per session and setting, a valid URL value over them."""
    ss = st.session_state
    read: set = ss.setdefault(prefix + _READ, set())
    binding = Binding(prefix, spec)
    for name, setting in binding.spec.items():
        key = binding.key(name)
        if setting.default is not None and key not in ss:
            ss[key] = list(setting.default) if isinstance(setting.default, list) else setting.default
        param = prefix + name
        if param in read:
            continue
        read.add(param)
        raw = st.query_params.get(param)
        if raw is None:
            continue
        try:
            ss[key] = setting.parse(raw)
        except (ValueError, TypeError, ArithmeticError):
            pass  # a bad or hostile value: keep the default
    return binding
