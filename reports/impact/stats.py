"""Adverse-impact statistics: pure numpy/scipy, plain data in and out (no Django).

Three questions, each asked of self-identified groups of candidates:

- **Selection rates** at a stage: the share of a group's applicants who reached it, and the
  *impact ratio*, its rate over the highest group's rate. The Uniform Guidelines on Employee
  Selection Procedures (29 CFR 1607.4 D, 1978) call a ratio under four-fifths (0.8)
  "generally ... evidence of adverse impact"; it is a rule of thumb for where to look. Each
  group is also compared with the rest by Fisher's exact test (exact at any size, so it is
  the test used where counts are small).
- **Scores** on a criterion, or given by a reviewer: the standardised mean difference
  between a group and the rest, Hedges' g with its small-sample correction and a 95 %
  confidence interval (Hedges & Olkin 1985, *Statistical Methods for Meta-Analysis*, ch. 5;
  the variance as in Borenstein et al. 2009, *Introduction to Meta-Analysis*, ch. 4), with a
  two-sided permutation test of the difference in means (exact when the arrangements are
  few enough to list, which is when counts are small).
- **Suppression**: a group with fewer than `minimum` members is merged into
  "other / not shown"; when that merged group is itself under the minimum it is not shown at
  all, so no figure describes fewer than `minimum` people.

Score comparisons are many (groups × criteria and reviewers), so their p-values are adjusted
together (Benjamini & Hochberg 1995) before anything is flagged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

OTHER = "other / not shown"
DEFAULT_MINIMUM_GROUP_SIZE = 5
FOUR_FIFTHS = 0.8
ALPHA = 0.05
# A difference in scores is flagged only when it is also this large in standard deviations
# (Cohen's "medium" effect): a tiny difference can be "significant" on many ratings.
MEANINGFUL_G = 0.5
Z_95 = float(stats.norm.ppf(0.975))
PERMUTATIONS = 9999


# --- Suppression ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupPlan:
    """How one category's answers become the groups that are shown: `shown` maps each answer
    to the label it is counted under (its own, or OTHER); answers absent from it are not
    shown anywhere."""

    shown: dict[str, str]
    hidden_count: int

    @property
    def labels(self) -> list[str]:
        """The shown groups, in order, OTHER last."""
        own = sorted({label for label in self.shown.values() if label != OTHER})
        return own + ([OTHER] if OTHER in self.shown.values() else [])


def plan_groups(counts: Mapping[str, int], minimum: int = DEFAULT_MINIMUM_GROUP_SIZE) -> GroupPlan:
    """Merge the answers held by fewer than `minimum` people into OTHER; drop OTHER when it
    still holds fewer than `minimum`. `counts` maps an answer to how many people gave it."""
    if minimum < 1:
        raise ValueError("The minimum group size is at least 1.")
    large = {answer for answer, n in counts.items() if n >= minimum}
    small = {answer for answer, n in counts.items() if 0 < n < minimum}
    shown = {answer: answer for answer in large}
    merged = sum(counts[answer] for answer in small)
    hidden = 0
    if merged >= minimum:
        shown.update(dict.fromkeys(small, OTHER))
    else:
        hidden = merged
    return GroupPlan(shown=shown, hidden_count=hidden)


# --- Selection rates -----------------------------------------------------------------------


@dataclass(frozen=True)
class SelectionRate:
    group: str
    selected: int
    total: int
    rate: float
    # The rate over the highest group's rate; None when no group was selected at all.
    impact_ratio: float | None
    # Fisher's exact test of this group against the other shown groups (two-sided).
    p_value: float | None
    below_four_fifths: bool


def fisher_exact(table: Sequence[Sequence[int]], alternative: str = "two-sided") -> float:
    """Fisher's exact test of a 2×2 table [[a, b], [c, d]] (rows: group, rest; columns:
    selected, not selected): the p-value."""
    return float(stats.fisher_exact(np.asarray(table, dtype=int), alternative=alternative).pvalue)


def selection_rates(counts: Mapping[str, tuple[int, int]]) -> list[SelectionRate]:
    """Per group, (selected, total) → rate, impact ratio against the highest-rate group and
    Fisher's exact p-value against the other groups together. Groups with no applicants are
    left out."""
    groups = {g: (s, n) for g, (s, n) in counts.items() if n > 0}
    for group, (selected, total) in groups.items():
        if not 0 <= selected <= total:
            raise ValueError(f"{group}: {selected} selected of {total}.")
    highest = max((s / n for s, n in groups.values()), default=0.0)
    all_selected = sum(s for s, _ in groups.values())
    all_total = sum(n for _, n in groups.values())
    rows = []
    for group, (selected, total) in groups.items():
        rate = selected / total
        ratio = rate / highest if highest > 0 else None
        rest_selected, rest_total = all_selected - selected, all_total - total
        p_value = None
        if rest_total > 0:
            p_value = fisher_exact(
                [[selected, total - selected], [rest_selected, rest_total - rest_selected]]
            )
        rows.append(
            SelectionRate(
                group=group,
                selected=selected,
                total=total,
                rate=rate,
                impact_ratio=ratio,
                p_value=p_value,
                below_four_fifths=ratio is not None and ratio < FOUR_FIFTHS,
            )
        )
    return rows


# --- Standardised mean differences ---------------------------------------------------------


@dataclass(frozen=True)
class EffectSize:
    d: float  # Cohen's d: the difference over the pooled standard deviation
    correction: float  # Hedges' J
    g: float
    variance: float
    ci_low: float
    ci_high: float

    @property
    def se(self) -> float:
        return math.sqrt(self.variance)


def hedges_correction(df: int) -> float:
    """Hedges' exact small-sample correction J(df) = Γ(df/2) / (√(df/2) Γ((df−1)/2))
    (Hedges & Olkin 1985, eq. 5.2.10); about 1 − 3/(4·df − 1)."""
    if df < 2:
        raise ValueError("Hedges' correction needs at least 2 degrees of freedom.")
    return math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)


def hedges_g(
    mean1: float, sd1: float, n1: int, mean2: float, sd2: float, n2: int
) -> EffectSize | None:
    """Hedges' g of group 1 against group 2 from their means, standard deviations and
    sizes, with a 95 % CI g ± 1.96·SE where Var(g) = J²·[(n1+n2)/(n1·n2) + d²/(2(n1+n2))].
    None when it is undefined (fewer than 2 in a group, or no spread at all)."""
    if n1 < 2 or n2 < 2:
        return None
    df = n1 + n2 - 2
    pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / df)
    if pooled == 0:
        return None
    d = (mean1 - mean2) / pooled
    j = hedges_correction(df)
    variance_d = (n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2))
    g = j * d
    variance = j**2 * variance_d
    half = Z_95 * math.sqrt(variance)
    return EffectSize(d=d, correction=j, g=g, variance=variance, ci_low=g - half, ci_high=g + half)


@dataclass(frozen=True)
class ScoreComparison:
    n_group: int
    n_rest: int
    mean_group: float
    mean_rest: float
    effect: EffectSize | None
    p_value: float | None
    # Filled in by `adjust_p_values` across a report's comparisons.
    q_value: float | None = None
    flagged: bool = False
    test: str = "permutation"


def compare_scores(group, rest, *, seed: int = 0) -> ScoreComparison:
    """A group's scores against the rest's: means, Hedges' g with its CI, and a two-sided
    permutation test of the difference in means (exact when the possible arrangements number
    at most PERMUTATIONS, else that many random ones from `seed`, so a report is
    reproducible)."""
    x = np.asarray(group, dtype=float)
    y = np.asarray(rest, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if len(x) == 0 or len(y) == 0:
        raise ValueError("Both sides need at least one score.")
    effect = hedges_g(
        float(x.mean()),
        float(x.std(ddof=1)) if len(x) > 1 else 0.0,
        len(x),
        float(y.mean()),
        float(y.std(ddof=1)) if len(y) > 1 else 0.0,
        len(y),
    )
    p_value = None
    if effect is not None:
        result = stats.permutation_test(
            (x, y),
            _mean_difference,
            permutation_type="independent",
            vectorized=True,
            n_resamples=PERMUTATIONS,
            alternative="two-sided",
            rng=np.random.default_rng(seed),
        )
        p_value = float(result.pvalue)
    return ScoreComparison(
        n_group=len(x),
        n_rest=len(y),
        mean_group=float(x.mean()),
        mean_rest=float(y.mean()),
        effect=effect,
        p_value=p_value,
    )


def _mean_difference(x, y, axis):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def adjust_p_values(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the order given."""
    p = np.asarray(p_values, dtype=float)
    if len(p) == 0:
        return []
    return [float(q) for q in stats.false_discovery_control(p, method="bh")]


def flag_comparisons(comparisons: Sequence[ScoreComparison]) -> list[ScoreComparison]:
    """The same comparisons with q-values over all of them, flagged where the difference is
    both unlikely by chance (q < ALPHA) and at least MEANINGFUL_G standard deviations."""
    testable = [i for i, c in enumerate(comparisons) if c.p_value is not None]
    q_values = adjust_p_values([comparisons[i].p_value for i in testable])
    out = list(comparisons)
    for i, q in zip(testable, q_values, strict=True):
        c = comparisons[i]
        flagged = q < ALPHA and c.effect is not None and abs(c.effect.g) >= MEANINGFUL_G
        out[i] = ScoreComparison(
            n_group=c.n_group,
            n_rest=c.n_rest,
            mean_group=c.mean_group,
            mean_rest=c.mean_rest,
            effect=c.effect,
            p_value=c.p_value,
            q_value=q,
            flagged=flagged,
            test=c.test,
        )
    return out


# --- What a flag means ---------------------------------------------------------------------


@dataclass(frozen=True)
class Caveat:
    code: str
    text: str


@dataclass
class Caveats:
    """The sentences shown beside a report's figures: what a flag means and does not."""

    items: list[Caveat] = field(default_factory=list)

    def add(self, code: str, text: str) -> None:
        if code not in {c.code for c in self.items}:
            self.items.append(Caveat(code, text))


FOUR_FIFTHS_MEANING = (
    "An impact ratio under 0.80 (the four-fifths rule of thumb) is a signal to look at how "
    "this stage decides, not proof of discrimination: it says nothing about why the rates "
    "differ, and with few candidates a ratio swings widely by chance (see the p-value)."
)
SCORE_FLAG_MEANING = (
    "A flagged difference in scores is one unlikely to arise by chance alone (after "
    "adjusting for the number of comparisons) and at least half a standard deviation: a "
    "reason to reread the criterion's anchors or the reviewer's notes. It does not show bias "
    "by itself: groups can differ in the evidence they bring."
)
NO_FLAG_MEANING = (
    "An unflagged row is not proof of fairness: with small groups only large differences "
    "can be detected, so look at the confidence interval, not only the flag."
)
SMALL_SAMPLE_MEANING = (
    "Some comparisons rest on fewer than 20 people on a side: their intervals are wide and "
    "their p-values come from an exact test (Fisher's, or a full permutation)."
)
SUPPRESSION_MEANING = (
    "Groups of fewer than {minimum} people are merged into “other / not shown”, and left out "
    "altogether when the merged group is still under {minimum}, so that no figure describes "
    "an identifiable person. Candidates who did not answer, or preferred not to say, are not "
    "compared."
)
SELF_IDENTIFIED_MEANING = (
    "Groups come from voluntary, self-identified answers: candidates who answered may differ "
    "from those who did not."
)


def base_caveats(minimum: int) -> Caveats:
    caveats = Caveats()
    caveats.add("four_fifths", FOUR_FIFTHS_MEANING)
    caveats.add("score_flag", SCORE_FLAG_MEANING)
    caveats.add("no_flag", NO_FLAG_MEANING)
    caveats.add("suppression", SUPPRESSION_MEANING.format(minimum=minimum))
    caveats.add("self_identified", SELF_IDENTIFIED_MEANING)
    return caveats
