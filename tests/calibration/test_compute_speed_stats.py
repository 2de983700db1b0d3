"""Shortcuts inside the statistics give the figures of their general routes,
to the last bit: the count table of marked codes read off their pairs,
drift's rater-window table read off its scorecard-windows, rater
diagnostics without masks when every rating is informative, the consensus
without a mask when every item has another rating, and the pairable ratings
of marked items found once for the agreement statistics."""

import numpy as np
import pytest
from scipy import sparse

from calibration.stats import (
    LEVELS,
    _codes,
    consensus_agreement,
    diagnostics,
    drift,
    effects,
    limits,
)
from calibration.stats._codes import (
    combine,
    count_table,
    dense_codes,
    factorize,
    factorized_values,
    pairable,
)
from calibration.stats.alpha import alphas_at_levels, alphas_by_group
from calibration.stats.criteria import criterion_summaries
from calibration.stats.diagnostics import rater_diagnostics
from calibration.stats.effects import fit_additive
from calibration.stats.icc import icc_from_codes
from calibration.stats.kappa import pairwise_kappa_summary


def design(seed, *, n_units=50, n_raters=6, n_criteria=4):
    rng = np.random.default_rng(seed)
    rows = [
        (unit, rater, criterion)
        for unit in range(n_units)
        for rater in rng.choice(n_raters, size=3, replace=False)
        for criterion in range(n_criteria)
        if criterion == 0 or rng.random() > 0.2
    ]
    u, r, c = (np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))
    value = rng.integers(1, 5, u.size).astype(float)
    return u, r, c, value, n_units, n_raters, n_criteria


@pytest.mark.parametrize("seed", range(4))
def test_the_count_table_of_marked_codes_is_the_counted_one(seed):
    u, r, c, _, n_units, n_raters, n_criteria = design(seed)
    for rows, cols, n_rows, n_cols in ((u, r, n_units, n_raters), (u, c, n_units, n_criteria)):
        counted = count_table(rows, cols, n_rows, n_cols)
        marked = count_table(dense_codes(rows, n_rows), dense_codes(cols, n_cols), n_rows, n_cols)

        for name in ("data", "indices", "indptr"):
            a, b = getattr(counted, name), getattr(marked, name)
            assert a.dtype == b.dtype and np.array_equal(a, b)
        assert marked.has_canonical_format
        expected = np.zeros((n_rows, n_cols))
        np.add.at(expected, (rows, cols), 1.0)
        assert np.array_equal(sparse.csr_matrix(marked).toarray(), expected)


def masked_fit_figures(u, r, value, expected, variance, n_r):
    """Infit, outfit and the halo's residual total, as the general route forms them."""
    residual = value - expected
    informative = variance > 1e-12
    squared = np.where(informative, residual**2, 0.0)
    w = np.where(informative, variance, 0.0)
    count = np.bincount(r, informative.astype(float), minlength=n_r)
    z2 = np.divide(squared, w, out=np.zeros_like(squared), where=informative)
    outfit = np.bincount(r, z2, minlength=n_r) / count
    infit = np.bincount(r, squared, minlength=n_r) / np.bincount(r, w, minlength=n_r)
    return infit, outfit


@pytest.mark.parametrize("seed", range(4))
def test_diagnostics_of_informative_ratings_are_the_masked_routes(seed):
    u, r, c, value, _, n_raters, _ = design(seed)
    rng = np.random.default_rng(seed + 50)
    expected = value + rng.normal(0, 0.5, value.size)
    variance = np.full(value.size, 0.37)

    rows = rater_diagnostics(u, r, c, value, expected, variance, scale_min=1, scale_max=4)

    infit, outfit = masked_fit_figures(u, r, value, expected, variance, n_raters)
    assert [row.infit for row in rows] == infit.tolist()
    assert [row.outfit for row in rows] == outfit.tolist()
    assert all(row.halo is not None for row in rows)


def test_diagnostics_leave_out_uninformative_ratings():
    u, r, c, value, _, n_raters, _ = design(7)
    expected = value + np.random.default_rng(3).normal(0, 0.5, value.size)
    variance = np.full(value.size, 0.5)
    variance[::5] = 0.0

    rows = rater_diagnostics(u, r, c, value, expected, variance, scale_min=1, scale_max=4)

    infit, outfit = masked_fit_figures(u, r, value, expected, variance, n_raters)
    assert [row.infit for row in rows] == infit.tolist()
    assert [row.outfit for row in rows] == outfit.tolist()


@pytest.mark.parametrize("seed", range(4))
def test_consensus_when_every_item_is_shared_is_the_masked_routes(seed):
    u, r, c, value, n_units, n_raters, n_criteria = design(seed)
    item = u * n_criteria + c
    keep = np.bincount(item)[item] >= 2
    u, r, c, value = u[keep], r[keep], c[keep], value[keep]
    # One more rating, of an item no one else rated, by a reviewer of their own:
    # the general route leaves it out, and nothing else changes.
    lone = (np.r_[u, n_units], np.r_[r, n_raters], np.r_[value, 3.0], np.r_[c, 0])

    every = consensus_agreement(u, r, value, c)
    masked = consensus_agreement(*lone)

    assert masked[:-1] == every
    assert masked[-1].n_compared == 0 and len(every) == n_raters


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("per_scorecard_time", [True, False])
def test_drifts_slot_table_is_the_counted_one(seed, per_scorecard_time):
    u, r, c, value, n_units, n_raters, _ = design(seed)
    rng = np.random.default_rng(seed + 9)
    # One time per scorecard (the last rater's all in the first window, so
    # some slots are empty), or one per rating (a scorecard across windows).
    card_time = rng.uniform(0, 1000, size=(n_units, n_raters))
    card_time[:, -1] = 0.0
    time = card_time[u, r] if per_scorecard_time else rng.uniform(0, 1000, size=u.size)
    n_w = 4
    edges = np.quantile(time, np.linspace(0.0, 1.0, n_w + 1))
    window = np.searchsorted(edges[1:-1], time, side="right")
    slots, rw = factorize(r * n_w + window)
    card_keys, pair = factorize(u * n_raters + r)

    table = drift._slot_counts(
        card_keys, factorize(pair * n_w + window), slots, n_raters, n_w, n_units
    )

    counted = count_table(u, rw, n_units, slots.size)
    assert slots.size < n_raters * n_w if per_scorecard_time else slots.size == n_raters * n_w
    for name in ("data", "indices", "indptr"):
        a, b = getattr(counted, name), getattr(table, name)
        assert a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("exact_cells", [250_000, 0])
def test_agreement_of_marked_items_is_the_unmarked_ones(seed, exact_cells, monkeypatch):
    monkeypatch.setattr(limits, "PACKAGE_EXACT_CELLS", exact_cells)  # 0: coincidences here
    u, r, c, value, n_units, n_raters, n_criteria = design(seed)
    item_keys, item = factorize(u * n_criteria + c)
    assert (np.bincount(item) == 1).any()  # some items have no pair
    mu, mr, mc = dense_codes(u, n_units), dense_codes(r, n_raters), dense_codes(c, n_criteria)
    marked_item = combine(mu, n_criteria, mc)[1]

    assert alphas_by_group(mc, mu, value, n_criteria, LEVELS) == alphas_by_group(
        c, u, value, n_criteria, LEVELS
    )
    assert alphas_at_levels(marked_item, value) == alphas_at_levels(item, value)
    assert consensus_agreement(marked_item, mr, value) == consensus_agreement(item, r, value)
    read_only = factorized_values(value)
    values = pairable(marked_item, read_only)[2]
    assert pairable(marked_item, read_only)[2] is values  # found once, for unchanging values
    assert pairable(marked_item, value)[2] is not pairable(marked_item, value)[2]
    assert np.array_equal(values, value[np.bincount(item)[item] >= 2])


@pytest.mark.parametrize("seed", range(4))
def test_design_effect_from_what_drift_has_is_the_recomputed_one(seed):
    u, r, c, value, n_units, n_raters, n_criteria = design(seed)
    rng = np.random.default_rng(seed + 30)
    # A reviewer's lift for the whole scorecard (halo), so that there is a
    # design effect to measure.
    quality = rng.normal(2.5, 0.8, n_units)
    lift = rng.normal(0.0, 1.0, (n_units, n_raters))
    value = np.clip(np.rint(quality[u] + lift[u, r] + rng.normal(0, 0.4, u.size)), 1, 4)
    window = rng.integers(0, 4, u.size)
    slots, rw = factorize(r * 4 + window)
    card_keys, pair = factorize(u * n_raters + r)
    cards = factorize(pair * 4 + window)
    table = drift._slot_counts(card_keys, cards, slots, n_raters, 4, n_units)
    fit = fit_additive(u, rw, c, value, n_units, slots.size, n_criteria, unit_variance=False)

    given = drift._design_effect(
        u, rw, c, value, fit, slots, 4, cards=cards, card_sizes=table.data, residuals=fit.residuals
    )

    assert given == drift._design_effect(u, rw, c, value, fit, slots, 4)
    assert given > 1.0


@pytest.mark.parametrize("seed", range(4))
def test_scorecard_sums_by_scorecard_are_the_per_rating_ones(seed):
    u, r, c, _, n_units, n_raters, n_criteria = design(seed, n_units=300)
    codes, g = factorize(u * n_raters + r)
    card_unit, card_rater = codes // n_raters, codes % n_raters
    per_card = np.bincount(g).astype(float)
    counts = effects._dense_counts(g, c, codes.size, n_criteria, budget=2 * u.size + 1024)
    tables = [count_table(u, r, n_units, n_raters), count_table(u, c, n_units, n_criteria)]
    h_mean = sparse.diags(1.0 / np.bincount(u)) @ sparse.hstack(tables, format="csr")
    design_ = (g, u, r, c, card_unit, card_rater, h_mean, n_units, n_raters, n_criteria)

    by_card = effects._centred_outer(per_card, None, counts, *design_)

    assert isinstance(counts, np.ndarray)
    by_rating = effects._centred_outer(per_card, np.ones(u.size), counts, *design_)
    assert np.array_equal(by_card, by_rating)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("per_scorecard_time", [True, False])
def test_scorecard_windows_are_their_factorization(seed, per_scorecard_time):
    u, r, _, _, n_units, n_raters, _ = design(seed)
    rng = np.random.default_rng(seed)
    card_window = rng.integers(0, 4, (n_units, n_raters))
    window = card_window[u, r] if per_scorecard_time else rng.integers(0, 4, u.size)
    card_keys, pair = factorize(u * n_raters + r)

    keys, index = drift._card_windows(pair, window, card_keys.size, 4)

    expected_keys, expected_index = factorize(pair * 4 + window)
    assert keys.dtype == expected_keys.dtype and np.array_equal(keys, expected_keys)
    assert index.dtype == expected_index.dtype and np.array_equal(index, expected_index)
    assert (index is pair) == per_scorecard_time


def test_kappa_refuses_a_value_off_the_scale_whether_factorized_or_not():
    u, r, c, value, *_ = design(1)
    value[5] = 7.0
    item = u * 4 + c

    with pytest.raises(ValueError) as plain:
        pairwise_kappa_summary(item, r, value, categories=[1, 2, 3, 4])
    with pytest.raises(ValueError) as factorized:
        pairwise_kappa_summary(item, r, factorized_values(value), categories=[1, 2, 3, 4])

    assert str(factorized.value) == str(plain.value)
    assert str(plain.value).endswith("(7.0) is not one of the categories")


@pytest.mark.parametrize(
    "values", [[1.0, 4.0, 3.0], [1.0, 2.5], [3.0e8, 1.0], [-2.0, 0.0, 2.0], [5.0]]
)
def test_whole_values_are_told_the_same_from_their_factorization(values):
    values = np.array(values * 3)

    assert diagnostics._exact_in_any_order(
        factorized_values(values)
    ) == diagnostics._exact_in_any_order(values)


@pytest.mark.parametrize("levels", [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 4.0], [0.0, 1.0]])
def test_levels_per_scorecard_from_the_factorization_are_counted_ones(levels):
    rng = np.random.default_rng(len(levels))
    value = rng.choice(levels, 400)
    s = np.sort(rng.integers(0, 90, 400))

    plain = diagnostics._levels_per_card(value, s, 90)
    known = diagnostics._levels_per_card(factorized_values(value), s, 90)

    assert np.array_equal(plain[0], known[0]) and np.array_equal(plain[1], known[1])


@pytest.mark.parametrize("repeat", [False, True])
def test_icc_told_of_repeats_by_the_kappas_says_what_it_finds(repeat):
    u, r, c, value, n_units, n_raters, n_criteria = design(2)
    if repeat:  # the first rating again: one rater, one item, twice
        u, r, c, value = (np.r_[x, x[:1]] for x in (u, r, c, value))
    item = factorize(u * n_criteria + c)[1]
    marked_item = dense_codes(item, int(item.max()) + 1)
    marked_rater = dense_codes(r, n_raters)
    assert _codes.repeats(marked_item, marked_rater) is None

    pairwise_kappa_summary(marked_item, marked_rater, value, categories=[1, 2, 3, 4])

    assert _codes.repeats(marked_item, marked_rater) is repeat
    told = icc_from_codes(marked_item, marked_rater, value)
    found = icc_from_codes(item, r, value)
    assert told == found and told.value is None
    assert ("more than once" in found.reason) is repeat


@pytest.mark.parametrize("seed", range(3))
def test_criterion_summaries_of_marked_codes_are_the_unmarked_ones(seed):
    u, r, c, _, n_units, n_raters, n_criteria = design(seed)
    value = np.random.default_rng(seed).normal(2.5, 1.0, u.size)  # sums that round
    marked = dense_codes(u, n_units), dense_codes(r, n_raters), dense_codes(c, n_criteria)

    assert criterion_summaries(marked[0], marked[1], value, marked[2]) == criterion_summaries(
        u, r, value, c
    )
