"""The shared mini-batch epoch iterator (pgmviz.training.batches): every row once per epoch, the order from
the seed, the short or dropped last batch exactly as the trainers' own loops did it."""

from __future__ import annotations

import numpy as np
import pytest

from pgmviz.training.batches import Batches


def epochs(b: Batches, n_epochs: int) -> list[list[np.ndarray]]:
    out = []
    for _ in range(n_epochs):
        start, batches = b.epoch, []
        while b.epoch == start:
            batches.append(b.next())
        out.append(batches)
    return out


def test_every_row_once_per_epoch_with_a_short_last_batch():
    b = Batches(23, 5, np.random.default_rng(0))
    lefts = []
    for batches in epochs(b, 3):
        assert [len(i) for i in batches] == [5, 5, 5, 5, 3]
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(23))
    b2 = Batches(23, 5, np.random.default_rng(0))
    for _ in range(6):
        lefts.append(b2.updates_left)
        b2.next()
    assert lefts == [5, 4, 3, 2, 1, 5] and b2.epoch == 1 and b2.in_epoch


def test_drop_last_gives_only_full_batches_and_leaves_the_remainder_unused():
    b = Batches(23, 5, np.random.default_rng(1), drop_last=True)
    for batches in epochs(b, 3):
        assert [len(i) for i in batches] == [5, 5, 5, 5]
        rows = np.concatenate(batches)
        assert len(np.unique(rows)) == 20  # distinct within the epoch; 3 rows sit it out
    assert b.per_epoch == 4 and b.updates_left == 4


def test_the_order_is_the_seeds_permutations_in_turn():
    """The exact stream the trainers drew: one ``rng.permutation(n)`` per epoch, cut in order."""
    b = Batches(10, 4, np.random.default_rng(7))
    got = np.concatenate([b.next() for _ in range(6)])  # two epochs: 4 + 4 + 2, twice
    ref = np.random.default_rng(7)
    np.testing.assert_array_equal(got, np.concatenate([ref.permutation(10), ref.permutation(10)]))
    again = Batches(10, 4, np.random.default_rng(7))
    np.testing.assert_array_equal(np.concatenate([again.next() for _ in range(6)]), got)
    assert not np.array_equal(np.concatenate([Batches(10, 4, np.random.default_rng(8)).next() for _ in range(3)]),
                              got[:10])


def test_drop_last_with_shuffle_now_is_the_rbm_trainers_loop():
    """The loop it replaced: permutation at construction, a reshuffle whenever the next batch would not fit."""
    n, bs = 11, 3
    ref_rng, mine = np.random.default_rng(3), Batches(n, bs, np.random.default_rng(3), drop_last=True,
                                                      shuffle_now=True)
    order, cursor, ref = ref_rng.permutation(n), 0, []
    for _ in range(10):
        if cursor + bs > n:
            order, cursor = ref_rng.permutation(n), 0
        ref.append(order[cursor:cursor + bs])
        cursor += bs
    np.testing.assert_array_equal(np.concatenate([mine.next() for _ in range(10)]), np.concatenate(ref))
    assert mine.epoch == 3


def test_the_first_shuffle_waits_for_the_first_batch_unless_asked():
    rng = np.random.default_rng(5)
    Batches(8, 3, rng)
    assert rng.random() == np.random.default_rng(5).random()  # nothing drawn yet
    rng = np.random.default_rng(5)
    Batches(8, 3, rng, shuffle_now=True)
    ref = np.random.default_rng(5)
    ref.permutation(8)
    assert rng.random() == ref.random()


def test_a_batch_larger_than_the_data_is_every_row_once():
    b = Batches(4, 10, np.random.default_rng(0))
    idx = b.next()
    np.testing.assert_array_equal(np.sort(idx), np.arange(4))
    assert b.epoch == 1 and b.batch_size == 4 and b.updates_left == 1


def test_undo_epoch_uncounts_an_epoch_just_ended_and_reshuffles():
    b = Batches(6, 3, np.random.default_rng(2))
    b.next()
    b.next()
    assert b.epoch == 1
    b.undo_epoch()  # the epoch that batch ended is given up
    assert b.epoch == 0 and not b.in_epoch and b.updates_left == 2
    b.next()
    b.undo_epoch()  # mid-epoch: the count stays, the rest of the shuffle is dropped
    assert b.epoch == 0 and not b.in_epoch
    b.next()
    b.next()
    b.undo_epoch()
    b.undo_epoch()  # twice is once
    assert b.epoch == 0


def test_copy_rolls_back_the_position_but_not_the_generator():
    b = Batches(6, 4, np.random.default_rng(0))
    b.next()
    saved = b.copy()
    b.next()
    b.next()  # a new epoch's shuffle was drawn
    assert (b.epoch, saved.epoch, saved.pos) == (1, 0, 4)
    assert saved.rng is b.rng


@pytest.mark.parametrize("n, bs", [(0, 3), (5, 0)])
def test_empty_data_or_batches_are_a_value_error(n, bs):
    with pytest.raises(ValueError):
        Batches(n, bs, np.random.default_rng(0))
