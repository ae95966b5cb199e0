"""How close a student's guess was: |guess - answer| against the range the guess could take.

Pure Python, no streamlit: ``pgmviz.ui.predict`` asks the question and shows these sentences.

A fair measure depends on the quantity. A probability or a fraction is judged on the line: the
error as a share of the range the slider offered (off by 0.18 on a 0-to-1 slider is 18% of what
one could have said). A quantity that spans orders of magnitude (4.5e-05 against 0.5) is judged
by ratio: off by a factor of max(guess/answer, answer/guess).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

# A linear guess within these shares of the slider's range is spot on / close / roughly right.
LINEAR_GRADES = ((0.02, "spot on"), (0.10, "close"), (0.25, "roughly right"))
# A ratio guess within these factors of the answer is spot on / close / the right order of magnitude.
RATIO_GRADES = ((1.1, "spot on"), (2.0, "close"), (10.0, "the right order of magnitude"))
FAR = "far off"


@dataclass(frozen=True)
class Verdict:
    """What the page says after the reveal.

    text   : the sentence ("You said 0.30; it is 0.12: off by 0.18 (18% of the range): roughly right.")
    grade  : "spot on", "close", ... "far off" for numbers; "right" or "wrong" for choices
    error  : |guess - answer| (numbers, linear), the factor max(g/a, a/g) (ratio), 0 or 1 (choices)
    """

    text: str
    grade: str
    error: float


def _three(x: float) -> str:
    return f"{x:.3g}"


def _grade(value: float, grades: tuple[tuple[float, str], ...]) -> str:
    return next((name for bound, name in grades if value <= bound), FAR)


def judge_number(guess: float, answer: float, lo: float, hi: float, *, ratio: bool = False,
                 fmt: Callable[[float], str] = _three) -> Verdict:
    """Error |guess - answer| as a share of the range [lo, hi]; or, with ``ratio``, the factor max(g/a, a/g).

    ``fmt`` writes both numbers (the page's own format, so the revealed value reads as the page shows it).
    A ratio needs a guess and an answer above zero; otherwise the line is used.
    Raises ValueError when the range is empty or a number is not finite (nothing fair can be said).
    """
    guess, answer, lo, hi = float(guess), float(answer), float(lo), float(hi)
    if not all(math.isfinite(x) for x in (guess, answer, lo, hi)) or hi <= lo:
        raise ValueError(f"cannot judge guess {guess} against {answer} on [{lo}, {hi}]")
    said = f"You said {fmt(guess)}; it is {fmt(answer)}"
    if fmt(guess) == fmt(answer):
        return Verdict(f"{said}: spot on.", "spot on", abs(guess - answer) if not ratio else 1.0)
    direction = "too high" if guess > answer else "too low"
    if ratio and guess > 0 and answer > 0:
        factor = max(guess / answer, answer / guess)
        grade = _grade(factor, RATIO_GRADES)
        times = f"{factor:,.0f}" if factor >= 100 else f"{factor:.3g}"  # 5,507 rather than 5.51e+03
        return Verdict(f"{said}: off by a factor of {times} ({direction}): {grade}.", grade, factor)
    error = abs(guess - answer)
    share = error / (hi - lo)
    grade = _grade(share, LINEAR_GRADES)
    return Verdict(f"{said}: off by {fmt(error)} ({direction}; {share:.0%} of the range): {grade}.", grade, error)


def judge_choice(guess: str, answer: str) -> Verdict:
    """Right or wrong: the option chosen against the one the page computed."""
    if guess == answer:
        return Verdict(f"You said *{guess}*; it is *{answer}*: right.", "right", 0.0)
    return Verdict(f"You said *{guess}*; it is *{answer}*: wrong.", "wrong", 1.0)
