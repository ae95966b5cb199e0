"""A tiny page for the live-run controller's AppTest (tests/app/test_live_controller.py): a trainer
that counts its updates, and can be told to diverge or to fail."""

from __future__ import annotations

import streamlit as st

from pgmviz.training.protocol import Budget, Progress, spend
from pgmviz.ui.live import LiveRun

ss = st.session_state


class Counter:
    """The protocol at its simplest: each update adds one; ``mode`` "diverge" or "fail" on update 3."""

    def __init__(self, mode: str = "ok"):
        self.mode, self.step, self.history, self.diverged = mode, 0, [], None

    def _update(self) -> bool:
        if self.step == 2 and self.mode == "diverge":
            self.diverged = "training diverged at update 3; the last good parameters were kept"
            return False
        if self.step == 2 and self.mode == "fail":
            raise FloatingPointError("boom")
        self.step += 1
        return True

    def run(self, budget: Budget) -> Progress:
        done, seconds = spend(budget, self._update)
        self.history.append(self.step)
        return Progress(self.step, done, seconds, diverged=self.diverged, snapshot=self.step)


def build() -> Counter:
    if ss.get("lt_mode") == "bad":
        raise ValueError("These settings cannot train.")
    return Counter(ss.get("lt_mode", "ok"))


def after(progress: Progress) -> None:
    ss["lt_shown"] = progress.snapshot


RUN = LiveRun("lt_", build, budget=lambda kind, seconds: Budget(updates=1), after=after)
RUN.ensure()
RUN.buttons()
RUN.messages()
RUN.fragment(lambda: st.metric("updates", RUN.trainer.step if RUN.trainer is not None else 0))
