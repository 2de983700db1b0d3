"""A posting's adverse-impact report from plain data (no Django): who is in which group, how
far each application got, and the scores; `stats` does the arithmetic, this module decides
what is compared with what and what is never shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reports.impact import stats


@dataclass(frozen=True)
class StageRates:
    stage: str
    rows: list[stats.SelectionRate]


@dataclass(frozen=True)
class ScoreRow:
    subject: str  # a criterion's title or a reviewer's name
    group: str
    comparison: stats.ScoreComparison


@dataclass
class CategoryReport:
    category: str
    groups: list[tuple[str, int]]  # the shown groups and their sizes
    hidden_count: int  # answers left out: their merged group was still under the minimum
    not_compared: int  # no answer, or "prefer not to say"
    stages: list[StageRates] = field(default_factory=list)
    criteria: list[ScoreRow] = field(default_factory=list)
    reviewers: list[ScoreRow] = field(default_factory=list)
    too_few: int = 0  # score comparisons left out: under the minimum on a side
    note: str = ""

    @property
    def score_tables(self) -> list[tuple[str, list[ScoreRow]]]:
        return [
            ("Scores per criterion (consensus of submitted scorecards)", self.criteria),
            ("Scores per reviewer (their mean level over the criteria)", self.reviewers),
        ]

    def rates_by_group(self) -> list[tuple[str, list[stats.SelectionRate]]]:
        """The stage rates turned around: per group, its rate at each stage in order."""
        return [
            (group, [next(r for r in stage.rows if r.group == group) for stage in self.stages])
            for group, _ in self.groups
            if self.stages
        ]


@dataclass
class ImpactReport:
    minimum: int
    applications: int
    categories: list[CategoryReport]
    caveats: stats.Caveats

    @property
    def flagged(self) -> list[tuple[str, str, ScoreRow]]:
        """(category, "criterion" or "reviewer", row) for every flagged score difference."""
        return [
            (category.category, kind, row)
            for category in self.categories
            for kind, rows in (("criterion", category.criteria), ("reviewer", category.reviewers))
            for row in rows
            if row.comparison.flagged
        ]


def impact_report(
    *,
    answers: Mapping[str, Mapping[object, str]],
    stages: Sequence[str],
    reached: Mapping[object, int],
    criterion_scores: Mapping[str, Mapping[object, float]],
    reviewer_scores: Mapping[str, Mapping[object, float]],
    not_compared: frozenset[str] = frozenset(),
    minimum: int = stats.DEFAULT_MINIMUM_GROUP_SIZE,
) -> ImpactReport:
    """`reached` maps every application in the pool to the index in `stages` of the furthest
    stage it reached (0: applied only). `answers` maps a category to {application: answer};
    answers in `not_compared` (and applications with none) are left out of that category's
    comparisons. Scores map a criterion or reviewer to {application: score}."""
    caveats = stats.base_caveats(minimum)
    categories = []
    for category, by_person in answers.items():
        stated = {p: a for p, a in by_person.items() if p in reached and a not in not_compared}
        plan = stats.plan_groups(Counter(stated.values()), minimum)
        members = {p: plan.shown[a] for p, a in stated.items() if a in plan.shown}
        sizes = Counter(members.values())
        report = CategoryReport(
            category=category,
            groups=[(label, sizes[label]) for label in plan.labels],
            hidden_count=plan.hidden_count,
            not_compared=len(reached) - len(stated),
        )
        categories.append(report)
        if len(plan.labels) < 2:
            report.note = "Fewer than two groups are large enough to compare."
            continue
        for index, stage in enumerate(stages[1:], start=1):
            counts = {
                label: (
                    sum(1 for p, g in members.items() if g == label and reached[p] >= index),
                    sizes[label],
                )
                for label in plan.labels
            }
            report.stages.append(StageRates(stage, stats.selection_rates(counts)))
        report.criteria, too_few_c = _score_rows(criterion_scores, members, plan.labels, minimum)
        report.reviewers, too_few_r = _score_rows(reviewer_scores, members, plan.labels, minimum)
        report.too_few = too_few_c + too_few_r
    _flag(categories)
    if any(
        min(row.comparison.n_group, row.comparison.n_rest) < 20
        for category in categories
        for row in category.criteria + category.reviewers
    ) or any(row.total < 20 for c in categories for s in c.stages for row in s.rows):
        caveats.add("small_sample", stats.SMALL_SAMPLE_MEANING)
    return ImpactReport(
        minimum=minimum, applications=len(reached), categories=categories, caveats=caveats
    )


def _score_rows(scores, members, labels, minimum) -> tuple[list[ScoreRow], int]:
    rows, too_few = [], 0
    for seed, (subject, by_person) in enumerate(scores.items()):
        for label in labels:
            group = [v for p, v in by_person.items() if members.get(p) == label]
            rest = [v for p, v in by_person.items() if p in members and members[p] != label]
            # Under the minimum on either side, a mean would describe too few people.
            if len(group) < minimum or len(rest) < minimum:
                too_few += 1
                continue
            rows.append(ScoreRow(subject, label, stats.compare_scores(group, rest, seed=seed)))
    return rows, too_few


def _flag(categories: list[CategoryReport]) -> None:
    """Adjust the p-values of every score comparison in the report together, then flag."""
    rows = [row for c in categories for row in c.criteria + c.reviewers]
    flagged = stats.flag_comparisons([row.comparison for row in rows])
    by_id = {id(row): comparison for row, comparison in zip(rows, flagged, strict=True)}
    for category in categories:
        category.criteria = [ScoreRow(r.subject, r.group, by_id[id(r)]) for r in category.criteria]
        category.reviewers = [
            ScoreRow(r.subject, r.group, by_id[id(r)]) for r in category.reviewers
        ]
