"""A calibration run in a recruiter's words: the summary sentences at the top
of the run page, what to do about each flag, and the statistics named and
formatted for people who are not statisticians.

Pure: plain data in (``Reviewer`` and ``Criterion`` rows, the run's
agreement dict), strings out; no Django import. The flags themselves (and
the minimum sample sizes below which nothing is flagged) are decided in
``calibration.compute``; this module only words them."""

from __future__ import annotations

from dataclasses import dataclass

MINUS = "\u2212"

# Krippendorff's bars for alpha (Content Analysis, 2004, p. 241): at least
# 0.800 to rely on the data, 0.667 for tentative conclusions only.
ALPHA_GOOD = 0.8
ALPHA_TENTATIVE = 0.667
# Severity within this many scale points either way reads as "in line".
IN_LINE = 0.1


@dataclass(frozen=True)
class Reviewer:
    name: str
    n_scorecards: int
    severity: float | None  # the shrunk estimate: the one flags and adjusted scores use
    flagged: bool
    flag_reason: str
    drift: float | None = None
    # The flag codes of the run (compute: "lenient", "severe", "drift", the
    # diagnostics' codes, "too_few_scorecards"); empty: read from the reason.
    flags: tuple[str, ...] = ()
    # The figures the diagnostics' sentences quote.
    infit: float | None = None
    outfit: float | None = None
    halo: float | None = None
    central_tendency: float | None = None
    range_ratio: float | None = None
    unit: str = "points"


@dataclass(frozen=True)
class Criterion:
    title: str
    alpha: float | None  # the alpha the flags use (interval)
    flagged: bool
    flag_reason: str


@dataclass(frozen=True)
class Sentence:
    """One line of the summary. ``kind`` is "flag" (act on it), "caveat"
    (too little data to say) or "info"; ``todo`` is what to do, if anything."""

    text: str
    kind: str
    todo: str = ""


@dataclass(frozen=True)
class Statistic:
    """A rubric-level statistic: its name in words, the technical name (for a
    tooltip), the value as shown and one line on how to read it."""

    label: str
    technical: str
    value: str
    help: str


# --- Numbers as read -------------------------------------------------------------------


def number(value: float | None, places: int = 2) -> str:
    """``places`` decimals with a true minus sign; "—" when undefined."""
    if value is None:
        return "—"
    text = f"{value:.{places}f}"
    return text.replace("-", MINUS)


def signed(value: float | None, places: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{value:+.{places}f}"
    return text.replace("-", MINUS)


def severity_words(severity: float | None) -> str:
    """ "+0.40 lenient", "−0.70 severe", "+0.04 in line" or "—"."""
    if severity is None:
        return "—"
    word = "in line" if abs(severity) < IN_LINE else "lenient" if severity > 0 else "severe"
    return f"{signed(severity)} {word}"


def interval_words(estimate: float | None, sd: float | None) -> str:
    """ "+0.62 lenient (0.42 to 0.82)": an estimate with its 95 % interval
    (± 1.96 SD); "—" when undefined."""
    if estimate is None:
        return "—"
    if sd is None:
        return severity_words(estimate)
    low, high = estimate - 1.96 * sd, estimate + 1.96 * sd
    return f"{severity_words(estimate)} ({number(low)} to {number(high)})"


def with_se(value: float | None, se: float | None) -> str:
    """ "+0.80 ± 0.20" (a signed figure and its standard error)."""
    if value is None:
        return "—"
    return signed(value) if se is None else f"{signed(value)} ± {number(se)}"


def separation_sentence(index: float | None, reliability: float | None) -> str:
    """Rater separation in a sentence ("" when undefined)."""
    if index is None or reliability is None:
        return ""
    strata = (4 * index + 1) / 3
    if reliability >= 0.8:
        reading = (
            "reviewers differ in leniency far more than their estimates' error: the "
            "differences are real and adjusting for them matters"
        )
    elif reliability >= 0.5:
        reading = "reviewers differ in leniency somewhat more than the estimates' error"
    else:
        reading = (
            "most of the differences in leniency between reviewers are within the "
            "estimates' error: they may be alike"
        )
    return (
        f"Reviewer separation {number(index)} (reliability {number(reliability)}, about "
        f"{max(1, int(strata))} distinct level{'s' if int(strata) > 1 else ''} of leniency): "
        f"{reading}."
    )


def alpha_range_words(median: float | None, low: float | None, high: float | None) -> str:
    """ "0.72 · tentative (0.45 to 0.91 over the criteria)"."""
    if median is None:
        return "—"
    return f"{number(median)} · {agreement_words(median)} ({number(low)} to {number(high)})"


def agreement_words(alpha: float | None) -> str:
    """How an alpha reads against Krippendorff's bars."""
    if alpha is None:
        return "cannot be computed"
    if alpha >= ALPHA_GOOD:
        return "good"
    if alpha >= ALPHA_TENTATIVE:
        return "tentative"
    return "poor"


# --- Rater diagnostics -------------------------------------------------------------------

# Each diagnostic flag (``stats.diagnostics``): a label, what it means for a
# recruiter, and what to do. The thresholds are the stats module's.
DIAGNOSTICS = {
    "misfit": (
        "Erratic",
        "scores out of step with the others (infit {infit}, outfit {outfit}; above 1.5 "
        "is erratic): candidates get levels nobody else would expect",
        "Read a few of {name}'s scorecards where their level differs most from the others' "
        "and ask what they saw; re-read the anchors together.",
    ),
    "muted": (
        "Too predictable",
        "scores more predictably than honest judgement allows (infit {infit}, "
        "outfit {outfit}; under 0.5 both): often a default level given by habit",
        "Check that {name} reads each candidate's evidence; remind them that scores stay "
        "hidden until they submit.",
    ),
    "halo": (
        "Halo",
        "rates a whole candidate up or down across criteria (halo {halo}), so the "
        "criterion scores say less than they seem to",
        "Ask {name} to score each criterion on its own evidence, reading its anchors, "
        "before forming an overall view.",
    ),
    "central_tendency": (
        "Sticks to the middle",
        "gives the middle levels far more often than the others do "
        "({central_tendency} times their share)",
        "Show {name} the anchors of the top and bottom levels with examples; the extremes "
        "are there to be used.",
    ),
    "restricted_range": (
        "Narrow range",
        "uses a narrow part of the scale (spread {range_ratio} of the others')",
        "Go through candidates {name} scored the same but the others did not, and where "
        "the anchors separate them.",
    ),
}


def _figure(value) -> str:
    return number(value) if isinstance(value, int | float) else "—"


def diagnostic_reason(code: str, row) -> str:
    """ "Halo: rates a whole candidate …" — the flag in words, with the figures
    of ``row`` (any object with infit, outfit, halo, central_tendency and
    range_ratio)."""
    label, sentence, _todo = DIAGNOSTICS[code]
    figures = {
        key: _figure(getattr(row, key, None))
        for key in ("infit", "outfit", "halo", "central_tendency", "range_ratio")
    }
    return f"{label}: " + sentence.format(**figures)


FLAG_LABELS = {
    "lenient": "Lenient",
    "severe": "Severe",
    "drift": "Drifting",
    **{code: label for code, (label, _text, _todo) in DIAGNOSTICS.items()},
}


def flag_labels(codes) -> str:
    """ "Lenient · Halo": the flags in a word each (the table's cell; the
    sentences and what to do are in the summary)."""
    return " · ".join(FLAG_LABELS[c] for c in codes if c in FLAG_LABELS)


def diagnostic_todo(code: str, name: str) -> str:
    return DIAGNOSTICS[code][2].format(name=name)


# --- Connected groups -------------------------------------------------------------------


def groups_warning(groups: list[dict]) -> list[str]:
    """What to say when the reviewers fall into groups that share no
    candidate (``groups``: [{"number", "names": [...], "applications": n}]);
    [] for one group."""
    if len(groups) < 2:
        return []
    parts = [
        f"group {g['number']}: {_join(list(g['names']) or ['nobody'])} "
        f"({_count(g['applications'], 'candidate')})"
        for g in groups
    ]
    return [
        f"The reviewers fall into {len(groups)} groups that share no candidate: "
        f"{'; '.join(parts)}.",
        "Severities and adjusted scores compare only within a group: a candidate's "
        "adjusted score cannot be compared with that of a candidate of another group, "
        "so the ranking's Adjusted column mixes scales across groups.",
        "To link the groups, assign a few candidates (three or more) to reviewers of "
        "both groups; the next run then puts everyone on one scale.",
    ]


# --- What to do ----------------------------------------------------------------------


def reviewer_todo(reviewer: Reviewer) -> str:
    """What to do about a flagged reviewer ("" when not flagged)."""
    if not reviewer.flagged:
        return ""
    codes = [c for c in reviewer.flags if c in DIAGNOSTICS]
    if codes and not {"lenient", "severe", "drift"} & set(reviewer.flags):
        return " ".join(diagnostic_todo(c, reviewer.name) for c in codes)
    if reviewer.flag_reason.startswith("Drifting") or "drift" in reviewer.flags:
        return (
            f"Go through {reviewer.name}'s recent scorecards with them and compare them "
            f"with their early ones: has the bar they apply moved? Re-read the anchors together."
        )
    return (
        f"Schedule a calibration session with {reviewer.name}; compare {reviewer.name}'s "
        f"notes with the others' on the candidates you share."
    )


def criterion_todo(criterion: Criterion) -> str:
    """What to do about a flagged criterion ("" when not flagged)."""
    return criteria_todo([criterion] if criterion.flagged else [])


def criteria_todo(criteria: list[Criterion]) -> str:
    if not criteria:
        return ""
    names = _join([f"\u201c{c.title}\u201d" for c in criteria])
    split = "it if it asks" if len(criteria) == 1 else "any that asks"
    return (
        f"Re-read the anchors of {names} together; consider splitting {split} about two "
        f"things at once."
    )


# --- The summary ------------------------------------------------------------------------


def summary(
    *,
    reviewers: list[Reviewer],
    criteria: list[Criterion],
    n_ratings: int,
    n_applications: int,
    min_scorecards: int,
) -> list[Sentence]:
    """The run in plain sentences: flagged reviewers first, then how well
    reviewers agree per criterion, then what there is too little data to
    judge. Each flag comes with what to do."""
    if not n_ratings:
        return [Sentence("No submitted scorecards yet: nothing to calibrate.", "caveat")]
    sentences = [
        Sentence(
            f"Based on {n_ratings:,} ratings of {_count(n_applications, 'application')} "
            f"by {_count(len(reviewers), 'reviewer')}.",
            "info",
        )
    ]
    for r in reviewers:
        if r.flagged and r.flags and not {"lenient", "severe", "drift"} & set(r.flags):
            continue
        if (
            r.flagged
            and (r.flag_reason.startswith("Drifting") or "drift" in r.flags)
            and (r.drift is not None)
        ):
            sentences.append(
                Sentence(
                    f"{r.name}'s scores are moving {signed(r.drift)} points per 30 days, "
                    f"{'more lenient' if r.drift > 0 else 'more severe'} over time.",
                    "flag",
                    reviewer_todo(r),
                )
            )
        elif r.flagged and r.severity is not None:
            side = "above" if r.severity > 0 else "below"
            sentences.append(
                Sentence(
                    f"{r.name} scores {number(abs(r.severity))} {r.unit} {side} the others on "
                    f"the same candidates; {r.name}'s scores are adjusted by that in the "
                    f"ranking's Adjusted column.",
                    "flag",
                    reviewer_todo(r),
                )
            )
    # Then how each flagged reviewer scores (the diagnostics), after what moves
    # the adjusted scores.
    for r in reviewers:
        for code in r.flags:
            if r.flagged and code in DIAGNOSTICS:
                sentences.append(
                    Sentence(
                        f"{r.name} {diagnostic_reason(code, r).split(': ', 1)[1]}.",
                        "flag",
                        diagnostic_todo(code, r.name),
                    )
                )
    judged = [c for c in criteria if c.alpha is not None and not _too_few(c)]
    good = [c for c in judged if c.alpha >= ALPHA_GOOD]
    tentative = [c for c in judged if ALPHA_TENTATIVE <= c.alpha < ALPHA_GOOD]
    poor = [c for c in judged if c.alpha < ALPHA_TENTATIVE]
    if good:
        sentences.append(Sentence(f"Reviewers agree well on {_titles(good)}.", "info"))
    if tentative:
        sentences.append(
            Sentence(
                f"Reviewers agree only tentatively on {_titles(tentative)}: enough for "
                f"tentative conclusions, not yet to rely on.",
                "info",
            )
        )
    if poor:
        sentences.append(
            Sentence(
                f"Reviewers agree poorly on {_titles(poor)}: "
                f"{number(ALPHA_TENTATIVE, 3)} is the least for tentative conclusions, "
                "0.80 to rely on.",
                "flag" if any(c.flagged for c in poor) else "info",
                criteria_todo([c for c in poor if c.flagged]),
            )
        )
    few_reviewers = [r for r in reviewers if not r.flagged and r.n_scorecards < min_scorecards]
    for r in few_reviewers:
        sentences.append(
            Sentence(
                f"Too few scorecards to say anything about {r.name} yet "
                f"({r.n_scorecards}; we need {min_scorecards}).",
                "caveat",
            )
        )
    for c in criteria:
        if _too_few(c):
            sentences.append(
                Sentence(f"\u201c{c.title}\u201d: {_lower_first(c.flag_reason)}.", "caveat")
            )
    if not any(s.kind in ("flag", "caveat") for s in sentences):
        sentences.append(
            Sentence("No reviewer stands out and no criterion needs attention.", "info")
        )
    return sentences


def _too_few(criterion: Criterion) -> bool:
    return not criterion.flagged and criterion.flag_reason.startswith("Too few")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _titles(criteria: list[Criterion]) -> str:
    return _join([f"\u201c{c.title}\u201d ({number(c.alpha)})" for c in criteria])


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# --- The rubric-level statistics -----------------------------------------------------------


def rubric_statistics(
    agreement: dict,
    *,
    alpha_median: float | None = None,
    alpha_min: float | None = None,
    alpha_max: float | None = None,
) -> list[Statistic]:
    """The whole-rubric agreement in words, skipping what is undefined (the
    reasons stay in the raw numbers). Agreement comes first as the median and
    range of the per-criterion alphas; the alpha pooled over every candidate
    and criterion is left to the raw numbers, as differences between the
    criteria's means inflate it."""
    rows = []
    if alpha_median is not None:
        rows.append(
            Statistic(
                "Agreement per criterion (median and range)",
                "Krippendorff's alpha, interval, per criterion: median (lowest to highest)",
                alpha_range_words(alpha_median, alpha_min, alpha_max),
                "The typical criterion's agreement and the spread over the criteria; "
                "0.80 to rely on, 0.667 the least for tentative conclusions.",
            )
        )
    kappa = agreement.get("pairwise_kappa") or {}
    if kappa.get("median_quadratic") is not None:
        rows.append(
            Statistic(
                "Agreement of a typical pair of reviewers",
                "median quadratic-weighted Cohen's kappa over reviewer pairs",
                number(kappa["median_quadratic"]),
                f"Over the {kappa.get('pairs_with_kappa', 0)} pairs of reviewers who scored "
                f"the same candidates often enough (10 shared ratings) to compare.",
            )
        )
    if kappa.get("lowest_quadratic") is not None:
        rows.append(
            Statistic(
                "Agreement of the least alike pair",
                "lowest quadratic-weighted Cohen's kappa over reviewer pairs",
                number(kappa["lowest_quadratic"]),
                "The pair of reviewers who differ most; a calibration session between "
                "them helps most.",
            )
        )
    for key, label, technical in (
        ("icc", "Consistency of the scores", "intraclass correlation"),
        ("fleiss_kappa", "Agreement on the exact level", "Fleiss' kappa"),
        ("cohen_kappa", "Agreement of the two reviewers", "Cohen's kappa"),
    ):
        value = agreement.get(key)
        if isinstance(value, dict):
            value = value.get("ICC2") if key == "icc" else value.get("quadratic")
        if isinstance(value, int | float):
            rows.append(Statistic(label, technical, number(value), ""))
    return rows
