"""A tiny page for the animation player's AppTest (tests/app/test_player.py): five frames whose
drawing is a metric; ``pl_loop``, ``pl_speeds`` and ``pl_start`` in the session choose the options."""

from __future__ import annotations

import streamlit as st

from pgmviz.ui import player

ss = st.session_state
SPEEDS = {"1x": (0.25, 1), "3x": (0.125, 3)}
LABELS = [f"frame {i}" for i in range(5)]

if ss.pop("pl_start", False):
    player.start("pl_", "f", ss.get("pl_sig", 0), frame=ss.get("pl_from", 0))
player.player("pl_", "f", LABELS, signature=ss.get("pl_sig", 0), draw=lambda i: st.metric("shown", LABELS[i]),
              loop=ss.get("pl_loop", False), speeds=SPEEDS if ss.get("pl_speeds") else None, speed_default="1x")
