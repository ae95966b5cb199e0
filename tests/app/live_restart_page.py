"""A tiny page for the AppTest of LiveRun's Start again / Stop / Back (tests/app/test_live_restart.py):
a counter the page builds itself after Start again, and drops on Back."""

from __future__ import annotations

import streamlit as st

from pgmviz.training.protocol import Budget, Progress, spend
from pgmviz.ui.live import LiveRun

ss = st.session_state


class Counter:
    """The protocol at its simplest: each update adds one."""

    def __init__(self):
        self.step, self.diverged = 0, None

    def _update(self) -> bool:
        self.step += 1
        return True

    def run(self, budget: Budget) -> Progress:
        done, seconds = spend(budget, self._update)
        return Progress(self.step, done, seconds, snapshot=self.step)


RUN = LiveRun("lr_", None, locate=lambda: ss.get("lr_counter"), budget=lambda kind, seconds: Budget(updates=1))
RUN.restart_buttons("Count live", "Back to none", lambda: ss.pop("lr_counter", None))
if RUN.restarting():  # the page builds its trainer itself (here it could show a spinner)
    ss["lr_builds"] = ss.get("lr_builds", 0) + 1
    ss["lr_counter"] = Counter()
    RUN.begin()
RUN.fragment(lambda: st.metric("updates", RUN.trainer.step if RUN.trainer is not None else "none"))
