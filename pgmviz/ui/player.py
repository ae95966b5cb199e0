"""One animation player: Play / Pause / Start / Back / Next / End over recorded frames.

A page that animates something it has already computed (a training run's epochs, a chain's
steps, a movie of drawings) hands the player the frames' labels and a ``draw(frame)``::

    player("pc_", "unit", [f"epoch {e}" for e in epochs], signature=(rule, lr, seed), draw=draw_unit)

The frame shown lives in ``ss[<prefix><name>_pos]``. The buttons sit outside a fragment (they
change its ``run_every``); inside it, each tick advances ``step`` frames and draws. While playing
a progress bar stands in for the frame slider, which is drawn only while paused: a slider moved
by the server on every tick would send its last drawn (stale) value back with the next tick and
make the animation jump backwards on a slow machine. Playing stops at the last frame. Nothing is
computed here, so a player never goes through the compute scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np
import streamlit as st

ss = st.session_state


def _keys(prefix: str, name: str) -> tuple[str, str]:
    return f"{prefix}{name}_pos", f"{prefix}{name}_playing"


def _toggle(prefix: str, name: str, n_frames: int) -> None:
    kpos, kplay = _keys(prefix, name)
    playing = not ss[kplay]
    if playing and ss[kpos] >= n_frames - 1:
        ss[kpos] = 0  # play from the start again
    ss[kplay] = playing


def _step(prefix: str, name: str, n_frames: int, delta: int = 0, to: int | None = None) -> None:
    kpos, kplay = _keys(prefix, name)
    pos = int(ss.get(kpos, 0))
    ss[kpos] = int(np.clip(to if to is not None else pos + delta, 0, n_frames - 1))
    ss[kplay] = False


def _from_slider(prefix: str, name: str) -> None:
    ss[f"{prefix}{name}_pos"] = int(ss[f"{prefix}{name}_slider"])


def player(prefix: str, name: str, labels: list[str], signature: Hashable, draw: Callable[[int], None], *,
           tick_s: float = 0.3, step: int = 1, slider_label: str = "Frame", first_help: str | None = None,
           last_help: str | None = None, start_at_end: bool = True) -> None:
    """Play/Pause and step buttons and, in a fragment, the frame slider and ``draw(frame)``.

    When ``signature`` (the settings that made the frames) changes, the view jumps to the last frame
    (``start_at_end``) or the first, and stops. ``step`` frames are advanced per tick of ``tick_s``.
    """
    n = len(labels)
    kpos, kplay = _keys(prefix, name)
    if ss.get(f"{prefix}{name}_sig") != signature or kpos not in ss:
        ss[f"{prefix}{name}_sig"] = signature
        ss[kpos], ss[kplay] = (n - 1 if start_at_end else 0), False
    playing = bool(ss[kplay]) and n > 1
    cols = st.columns([1.4, 1, 1, 1, 1, 3], vertical_alignment="center")
    cols[0].button("Pause" if playing else "Play", key=f"{prefix}{name}_play", type="primary", width="stretch",
                   icon=":material/pause:" if playing else ":material/play_arrow:", on_click=_toggle,
                   args=(prefix, name, n))
    cols[1].button("Start", key=f"{prefix}{name}_first", icon=":material/first_page:", width="stretch",
                   on_click=_step, args=(prefix, name, n), kwargs={"to": 0}, help=first_help)
    cols[2].button("Back", key=f"{prefix}{name}_back", icon=":material/chevron_left:", width="stretch",
                   on_click=_step, args=(prefix, name, n, -1))
    cols[3].button("Next", key=f"{prefix}{name}_next", icon=":material/chevron_right:", width="stretch",
                   on_click=_step, args=(prefix, name, n, 1))
    cols[4].button("End", key=f"{prefix}{name}_last", icon=":material/last_page:", width="stretch",
                   on_click=_step, args=(prefix, name, n), kwargs={"to": n - 1}, help=last_help)

    def body() -> None:
        pos = int(np.clip(ss.get(kpos, n - 1), 0, n - 1))
        if playing and ss.get(kplay):
            pos = min(pos + max(1, int(step)), n - 1)
            ss[kpos] = pos
            st.progress(pos / max(1, n - 1), text=labels[pos])
        else:
            ss[f"{prefix}{name}_slider"] = pos
            st.select_slider(slider_label, list(range(n)), key=f"{prefix}{name}_slider",
                             format_func=lambda i: labels[i], label_visibility="collapsed",
                             on_change=_from_slider, args=(prefix, name))
        draw(pos)
        if playing and pos == n - 1:  # stop at the end: a full rerun turns the fragment's timer off
            ss[kplay] = False
            st.rerun(scope="app")

    st.fragment(run_every=tick_s if playing else None)(body)()
