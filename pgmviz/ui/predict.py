"""Predict, then reveal: a question the page asks before it shows the answer it computes.

A teacher switches the questions on for class (the sidebar's *Questions for class*, or
``?questions=1`` in a link); off, the default, every page reads as it always did. With questions
on, a page asks, the student commits a guess (a slider or a choice), and only then does the page
show the computed answer, how close the guess was (``pgmviz.closeness``), and the parts of the
page that would have given it away::

    from pgmviz.ui import predict

    q = predict.ask(P + "q_truck", "Given the jump, what will p(truck | jump) be?",
                    predict.Number(0.0, 1.0, 0.01), answer=ea.p_truck)
    if q.reveals("the posterior"):      # False (and a short note in its place) until committed
        st.metric("p(truck = 1 | jump)", fmt(ea.p_truck))

The answer can also come later in the page (``q.reveal(value)``): it is written in the question's
box, where the student is looking. A guess belongs to the settings it was made for: pass them as
``about=`` and changing them asks the question again. Commitments live in ``st.session_state``
under the question's key, one per question and session; *Ask again* forgets one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from pgmviz.closeness import Verdict, judge_choice, judge_number
from pgmviz.ui import urlstate as url

KEY = "predict_questions"  # the switch's value; not a widget key, so pages without the toggle keep it
WIDGET = "predict_questions_toggle"
PARAM = "questions"  # ?questions=1
LABEL = "Questions for class"
HIDDEN = "Hidden until the question above is answered"


def _binding() -> url.Binding:
    return url.bind("", {PARAM: url.flag(False, key=KEY)})


def _switched(_: Any = None) -> None:
    st.session_state[KEY] = bool(st.session_state[WIDGET])


def switch() -> None:
    """The sidebar toggle and the URL setting ``questions`` (called once per run by ``lesson_header``)."""
    binding = _binding()
    st.session_state[WIDGET] = bool(st.session_state[KEY])
    st.sidebar.toggle(LABEL, key=WIDGET, on_change=_switched,
                      help="On: each lesson asks a question and shows its answer only after you commit a "
                           "guess. Off: every page shows everything (for reading).")
    binding.write()


def enabled() -> bool:
    """True when questions are on for this session (the toggle, or ``?questions=1`` when it opened)."""
    _binding()
    return bool(st.session_state.get(KEY, False))


# --- the two kinds of guess ---------------------------------------------------------------------
def _three(x: float) -> str:
    return f"{x:.3g}"


@dataclass(frozen=True)
class Number:
    """A numeric guess on a slider over [lo, hi].

    ratio : judge by the factor between guess and answer (for quantities spanning orders of
            magnitude; the slider then offers a 1-2-5 grid between lo and hi, both above zero)
    fmt   : writes the guess and the answer (the page's own format)
    """

    lo: float
    hi: float
    step: float | None = None
    default: float | None = None  # None: the middle of the range (or of its grid)
    ratio: bool = False
    fmt: Callable[[float], str] = _three

    def grid(self) -> list[float]:
        """The 1-2-5 values between lo and hi a ratio slider offers."""
        lo_exp, hi_exp = int(np.floor(np.log10(self.lo))), int(np.ceil(np.log10(self.hi)))
        values = [m * 10.0 ** e for e in range(lo_exp, hi_exp + 1) for m in (1, 2, 5)]
        return [float(f"{v:.6g}") for v in values if self.lo * (1 - 1e-9) <= v <= self.hi * (1 + 1e-9)]

    def widget(self, label: str, key: str) -> None:
        ss = st.session_state
        if self.ratio:
            grid = self.grid()
            if ss.get(key) not in grid:  # first asked, or a guess left from another range
                ss[key] = self.default if self.default in grid else grid[len(grid) // 2]
            st.select_slider(label, grid, key=key, format_func=self.fmt)
        else:
            if not (isinstance(ss.get(key), float) and self.lo <= ss[key] <= self.hi):
                ss[key] = float(self.lo + (self.hi - self.lo) / 2 if self.default is None else self.default)
            step = self.step if self.step is not None else (self.hi - self.lo) / 100
            st.slider(label, float(self.lo), float(self.hi), step=float(step), key=key, format="%g")

    def judge(self, guess: Any, answer: Any) -> Verdict:
        return judge_number(guess, answer, self.lo, self.hi, ratio=self.ratio, fmt=self.fmt)


@dataclass(frozen=True)
class Choice:
    """A guess among ``options`` (the answer is one of them)."""

    options: Sequence[str]

    def widget(self, label: str, key: str) -> None:
        if len(self.options) <= 10:
            st.radio(label, list(self.options), index=None, key=key, horizontal=True)
        else:  # 64 visible states are too many buttons
            st.selectbox(label, list(self.options), index=None, key=key, placeholder="Choose one")

    def judge(self, guess: Any, answer: Any) -> Verdict:
        return judge_choice(str(guess), str(answer))


# --- the question ---------------------------------------------------------------------------------
def _said_key(key: str) -> str:
    return key + "__said"


def _commit(key: str, about: Hashable) -> None:
    guess = st.session_state.get(key + "__guess")
    if guess is not None:
        st.session_state[_said_key(key)] = {"guess": guess, "about": about}


def _forget(key: str) -> None:
    st.session_state.pop(_said_key(key), None)


@dataclass
class Question:
    """One asked question: ``revealed`` once the student committed (always True with questions off)."""

    key: str
    guess_spec: Number | Choice | None
    revealed: bool
    guess: Any = None
    slot: Any = field(default=None, repr=False)  # where the verdict goes (in the question's box)
    verdict: Verdict | None = None

    def reveal(self, answer: Any) -> Verdict | None:
        """Show the computed answer and how close the guess was; nothing before a commit or with questions off."""
        if self.slot is None or not self.revealed:
            return None
        try:
            self.verdict = self.guess_spec.judge(self.guess, answer)
        except (ValueError, TypeError):
            self.slot.warning("The page has no finite answer to compare with for these settings (a run "
                              "that diverged?). Change them, or press *Ask again*.", icon=":material/help:")
            return None
        good = self.verdict.grade in ("spot on", "close", "right")
        (self.slot.success if good else self.slot.info)(self.verdict.text, icon=":material/lightbulb:")
        return self.verdict

    def wait(self, text: str) -> None:
        """After a commit, when the answer is not computed yet (a run still going): say what it waits for."""
        if self.slot is not None and self.revealed:
            self.slot.caption(f":material/hourglass_top: {text}")

    def reveals(self, what: str = "") -> bool:
        """True if the give-away part may be drawn; else a short note stands in its place."""
        if not self.revealed:
            st.caption(f":material/lock: {HIDDEN}{': ' + what if what else ''}.")
        return self.revealed


def ask(key: str, question: str, guess: Number | Choice, answer: Any = None, about: Hashable = None) -> Question:
    """Ask ``question`` (with questions on): a guess widget and *Commit*; after it, the answer and a verdict.

    key    : unique per question and page (the page's prefix + a name); keys the session state
    answer : the computed value (a number, or one of ``guess.options``); or None and ``reveal`` it later
    about  : the settings the answer depends on; a commitment made for other settings is asked again
    """
    if not enabled():
        return Question(key, guess, revealed=True)
    said = st.session_state.get(_said_key(key))
    if said is not None and said["about"] != about:
        _forget(key)
        said = None
    with st.container(border=True, key=key + "__box"):
        st.markdown(f":material/quiz: **Predict, then reveal.** {question}")
        if said is None:
            guess.widget("Your answer", key + "__guess")
            st.button("Commit", key=key + "__commit", type="primary", on_click=_commit, args=(key, about),
                      disabled=st.session_state.get(key + "__guess") is None)
            return Question(key, guess, revealed=False)
        shown = guess.fmt(said["guess"]) if isinstance(guess, Number) else said["guess"]
        st.markdown(f"Your answer: **{shown}**")
        q = Question(key, guess, revealed=True, guess=said["guess"], slot=st.empty())
        st.button("Ask again", key=key + "__again", on_click=_forget, args=(key,))
    if answer is not None:
        q.reveal(answer)
    return q
