"""pgmviz.closeness: how close a guess was, on the line (share of the range) or by ratio."""

from __future__ import annotations

import math

import pytest

from pgmviz.closeness import FAR, judge_choice, judge_number


def test_linear_error_is_the_distance_and_its_share_of_the_range():
    v = judge_number(0.30, 0.12, 0.0, 1.0, fmt=lambda x: f"{x:.2f}")
    assert v.error == pytest.approx(0.18)
    assert v.text == "You said 0.30; it is 0.12: off by 0.18 (too high; 18% of the range): roughly right."
    assert v.grade == "roughly right"
    # the same distance on a ten times wider slider is a ten times smaller share
    assert judge_number(1.38, 1.2, 0.0, 10.0).grade == "spot on"


@pytest.mark.parametrize("guess, grade", [(0.51, "spot on"), (0.58, "close"), (0.70, "roughly right"),
                                          (0.95, FAR), (0.05, FAR)])
def test_linear_grades_follow_the_share(guess, grade):
    assert judge_number(guess, 0.5, 0.0, 1.0).grade == grade


def test_direction_is_said():
    assert "too low" in judge_number(0.1, 0.5, 0, 1).text
    assert "too high" in judge_number(0.9, 0.5, 0, 1).text


def test_equal_as_shown_is_spot_on():
    v = judge_number(0.5, 0.50003, 0.0, 1.0, fmt=lambda x: f"{x:.3f}")
    assert v.grade == "spot on" and v.text == "You said 0.500; it is 0.500: spot on."


def test_ratio_is_symmetric_in_over_and_under():
    up, down = judge_number(1e-3, 1e-4, 1e-8, 1.0, ratio=True), judge_number(1e-5, 1e-4, 1e-8, 1.0, ratio=True)
    assert up.error == pytest.approx(10.0) and down.error == pytest.approx(10.0)
    assert up.grade == down.grade == "the right order of magnitude"
    assert "factor of 10" in up.text and "too high" in up.text and "too low" in down.text
    far = judge_number(0.5, 9.079e-05, 1e-8, 1.0, ratio=True)
    assert far.grade == FAR and "a factor of 5,507 (too high)" in far.text
    assert judge_number(1.5e-4, 9.079e-05, 1e-8, 1.0, ratio=True).grade == "close"


def test_ratio_falls_back_to_the_line_at_zero():
    v = judge_number(0.0, 0.2, 0.0, 1.0, ratio=True)
    assert v.error == pytest.approx(0.2) and "20% of the range" in v.text


@pytest.mark.parametrize("args", [(math.nan, 0.5, 0, 1), (0.5, math.inf, 0, 1), (0.5, 0.5, 1, 1), (0.5, 0.5, 2, 1)])
def test_nothing_fair_to_say_raises(args):
    with pytest.raises(ValueError):
        judge_number(*args)


def test_choices_are_right_or_wrong():
    assert judge_choice("rises", "rises").grade == "right"
    wrong = judge_choice("rises", "falls")
    assert wrong.grade == "wrong" and wrong.error == 1.0 and wrong.text == "You said *rises*; it is *falls*: wrong."
