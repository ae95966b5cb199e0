"""One animation player: Play / Pause / Start / Back / Next / End over recorded frames.

A page that animates something it has already computed (a training run's epochs, a chain's
steps, a movie of drawings) hands the player the frames' labels and a ``draw(frame)``::

    player("pc_", "unit", [f"epoch {e}" for e in epochs], signature=(rule, lr, seed), draw=draw_unit)

The frame shown lives in ``ss[<prefix><name>_pos]``. The buttons sit outside a fragment (they
change its ``run_every``); inside it, each tick advances ``step`` frames and draws. While playing
a progress bar stands in for the frame slider, which is drawn only while paused: a slider moved
by the server on every tick would send its last drawn (stale) value back with the next tick and
make the animation jump backwards on a slow machine. Playing stops at the last frame, or wraps
to the first with ``loop=True`` (a movie). ``speeds`` adds a Speed slider whose choices are
(seconds per tick, frames per tick). `start` plays from a frame a page has just computed (the run that
computed it shows that frame; the next tick moves on). Nothing is computed here, so a player never
goes through the compute scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np
import streamlit as st

ss = st.session_state


def _keys(prefix: str, name: str) -> tuple[str, str]:
    return f"{prefix}{name}_pos", f"{prefix}{name}_playing"


def _toggle(prefix: str, name: str, n_frames: int, playing: bool) -> None:
    """The Play/Pause button: ``playing`` is what the button offered when drawn (Pause: False, Play: True).

    Not a flip of the current state: a Pause clicked as the animation reached its last frame (and
    stopped itself) would otherwise start it again from the beginning.
    """
    kpos, kplay = _keys(prefix, name)
    if playing and ss[kpos] >= n_frames - 1:
        ss[kpos] = 0  # play from the start again
    ss[kplay] = playing
    ss.pop(f"{prefix}{name}_hold", None)


def _step(prefix: str, name: str, n_frames: int, delta: int = 0, to: int | None = None) -> None:
    kpos, kplay = _keys(prefix, name)
    pos = int(ss.get(kpos, 0))
    ss[kpos] = int(np.clip(to if to is not None else pos + delta, 0, n_frames - 1))
    ss[kplay] = False
    ss.pop(f"{prefix}{name}_hold", None)


def _from_slider(prefix: str, name: str) -> None:
    ss[f"{prefix}{name}_pos"] = int(ss[f"{prefix}{name}_slider"])


def start(prefix: str, name: str, signature: Hashable, frame: int = 0) -> None:
    """Play from ``frame`` of new frames made with ``signature``: this run draws it, the next tick moves on."""
    kpos, kplay = _keys(prefix, name)
    ss[f"{prefix}{name}_sig"], ss[kpos], ss[kplay] = signature, int(frame), True
    ss[f"{prefix}{name}_hold"] = True


def speed(prefix: str, name: str, speeds: dict[str, tuple[float, int]], default: str) -> tuple[float, int]:
    """The (seconds per tick, frames per tick) of the Speed slider's choice (``default`` before it is drawn)."""
    choice = ss.get(f"{prefix}{name}_speed", default)
    return speeds.get(choice, speeds[default])


def player(prefix: str, name: str, labels: list[str], signature: Hashable, draw: Callable[[int], None], *,
           tick_s: float = 0.3, step: int = 1, slider_label: str = "Frame", first_help: str | None = None,
           last_help: str | None = None, start_at_end: bool = True, loop: bool = False,
           speeds: dict[str, tuple[float, int]] | None = None, speed_default: str | None = None) -> None:
    """Play/Pause and step buttons and, in a fragment, the frame slider and ``draw(frame)``.

    When ``signature`` (the settings that made the frames) changes, the view jumps to the last frame
    (``start_at_end``) or the first, and stops. ``step`` frames are advanced per tick of ``tick_s``
    (or as the Speed slider says, with ``speeds``); ``loop`` wraps from the last frame to the first.
    """
    n = len(labels)
    kpos, kplay = _keys(prefix, name)
    if ss.get(f"{prefix}{name}_sig") != signature or kpos not in ss:
        ss[f"{prefix}{name}_sig"] = signature
        ss[kpos], ss[kplay] = (n - 1 if start_at_end else 0), False
    if speeds:
        speed_default = speed_default if speed_default in speeds else next(iter(speeds))
        ss.setdefault(f"{prefix}{name}_speed", speed_default)
        tick_s, step = speed(prefix, name, speeds, speed_default)
    playing = bool(ss[kplay]) and n > 1
    cols = st.columns([1.4, 1, 1, 1, 1, 3], vertical_alignment="center")
    cols[0].button("Pause" if playing else "Play", key=f"{prefix}{name}_play", type="primary", width="stretch",
                   icon=":material/pause:" if playing else ":material/play_arrow:", on_click=_toggle,
                   args=(prefix, name, n, not playing), disabled=n < 2)
    cols[1].button("Start", key=f"{prefix}{name}_first", icon=":material/first_page:", width="stretch",
                   on_click=_step, args=(prefix, name, n), kwargs={"to": 0}, help=first_help)
    cols[2].button("Back", key=f"{prefix}{name}_back", icon=":material/chevron_left:", width="stretch",
                   on_click=_step, args=(prefix, name, n, -1))
    cols[3].button("Next", key=f"{prefix}{name}_next", icon=":material/chevron_right:", width="stretch",
                   on_click=_step, args=(prefix, name, n, 1))
    cols[4].button("End", key=f"{prefix}{name}_last", icon=":material/last_page:", width="stretch",
                   on_click=_step, args=(prefix, name, n), kwargs={"to": n - 1}, help=last_help)
    if speeds:
        cols[5].select_slider("Speed", list(speeds), key=f"{prefix}{name}_speed",
                              help="Playback speed (frames per second).")

    def body() -> None:
        pos = int(np.clip(ss.get(kpos, n - 1), 0, n - 1))
        if playing and ss.get(kplay):
            if not ss.pop(f"{prefix}{name}_hold", False):  # a frame `start` asked for is drawn once first
                pos = (pos + max(1, int(step))) % n if loop else min(pos + max(1, int(step)), n - 1)
            ss[kpos] = pos
            st.progress(pos / max(1, n - 1), text=labels[pos])
        else:
            ss[f"{prefix}{name}_slider"] = pos
            st.select_slider(slider_label, list(range(n)), key=f"{prefix}{name}_slider",
                             format_func=lambda i: labels[i], label_visibility="collapsed",
                             on_change=_from_slider, args=(prefix, name))
        draw(pos)
        if playing and not loop and pos == n - 1:  # stop at the end: a full rerun turns the fragment's timer off
            ss[kplay] = False
            st.rerun(scope="app")

    st.fragment(run_every=tick_s if playing else None)(body)()
