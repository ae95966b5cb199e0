"""Mean field on a table (pgmviz.inference.table_meanfield): a local minimum of KL(q || p), checked by brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from pgmviz.inference import explaining_away, table_meanfield
from pgmviz.models import sbn


def brute_reverse_kl(m: tuple[float, ...], p: np.ndarray) -> float:
    """KL(q || p) for the factorial q with means m, by a loop over the states."""
    n = len(m)
    total = 0.0
    for k, bits in enumerate(itertools.product((0, 1), repeat=n)):
        q = math.prod(mj if b else 1 - mj for mj, b in zip(m, bits))
        if q > 0:
            total += q * (math.log(q) - math.log(p[k]))
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mean_field_is_a_local_minimum_of_the_reverse_kl(seed):
    net = sbn.SBN.random([4, 3], weight_scale=2.5, seed=seed)
    p = net.posterior_layer(np.array([1.0, 0.0, 1.0, 1.0]), 1)
    best, runs = table_meanfield.best_mean_field(p, 3)
    assert best.kl == pytest.approx(brute_reverse_kl(tuple(best.means), p), abs=1e-9)
    assert best.kl == min(r.kl for r in runs)
    rng = np.random.default_rng(seed)
    for _ in range(50):  # no small move of the means lowers KL(q || p)
        m = np.clip(best.means + rng.normal(0, 1e-3, 3), 1e-9, 1 - 1e-9)
        assert brute_reverse_kl(tuple(m), p) >= best.kl - 1e-9
    # the product of marginals minimises the other KL, KL(p || q), over factorial q: not this one
    pm = sbn.product_of_marginals(p, 3)
    assert sbn.kl(p, pm) <= sbn.kl(p, best.q) + 1e-12


def test_mean_field_on_explaining_away_picks_one_cause():
    """Lecture's net given the jump: the posterior has two modes (truck alone, quake alone)."""
    post = explaining_away.explaining_away(explaining_away.explaining_away_net()).posterior.ravel()
    best, runs = table_meanfield.best_mean_field(post, 2)
    assert sorted(np.round(best.means, 3)) == [0.0, 1.0]  # one cause on, the other off
    assert best.kl == pytest.approx(brute_reverse_kl(tuple(best.means), post), abs=1e-9)
    centre = runs[0]  # from (0.5, 0.5) the updates stay at the symmetric saddle: the product of marginals
    assert centre.means == pytest.approx([0.5, 0.5], abs=1e-6)
    pm = sbn.product_of_marginals(post, 2)
    rev_pm = table_meanfield.reverse_kl(pm, table_meanfield.log_table(post))
    assert rev_pm == pytest.approx(brute_reverse_kl((0.5, 0.5), post), rel=1e-6)
    assert best.kl < rev_pm - 1.0
