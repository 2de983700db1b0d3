"""Where the apps built on screening plug in, so that screening never imports
them (imports point one way: rubrics ← screening ← calibration, reports).

- ``scorecard_submitted`` is sent inside the submitting transaction with the
  scorecard's ``rubric_id`` and ``schedule_calibration`` (False when the
  submitter asks for no calibration run); calibration listens to schedule a run.
- ``adjusted_scores(rubric_ids)`` gives the severity-adjusted score of each
  application from the source that calibration registers at start-up
  (``{}`` when none is registered). The source may return an
  ``AdjustedScores``, which also says when those scores compare only within
  groups of applications (reviewers who share no candidate), and which run each score
  came from. Given ``application_ids``, the source reads those applications only
  (``screening.scores`` keeps the stored rows current one application at a time)."""

from collections.abc import Callable, Iterable

from django.dispatch import Signal

scorecard_submitted = Signal()


class AdjustedScores(dict):
    """Application id → adjusted score, with ``group`` (application id →
    group number, only when the scores compare only within groups), ``run``
    (application id → the calibration run's id) and the ``warnings`` to show
    beside them."""

    def __init__(self, scores=(), *, group=None, warnings=(), run=None):
        super().__init__(scores)
        self.group: dict[int, int] = dict(group or {})
        self.warnings: list[str] = list(warnings)
        self.run: dict[int, int] = dict(run or {})


AdjustedScoresSource = Callable[[Iterable[int]], dict[int, float]]
_adjusted_scores_source: AdjustedScoresSource | None = None


def provide_adjusted_scores(source: AdjustedScoresSource) -> None:
    """Register the function that reads adjusted scores (one per process)."""
    global _adjusted_scores_source
    _adjusted_scores_source = source


def adjusted_scores(
    rubric_ids: Iterable[int], application_ids: Iterable[int] | None = None
) -> dict[int, float]:
    """Application id → severity-adjusted score, from the registered source (of the
    given applications only, when ``application_ids`` is given)."""
    if _adjusted_scores_source is None:
        return {}
    if application_ids is None:
        return _adjusted_scores_source(rubric_ids)
    return _adjusted_scores_source(rubric_ids, application_ids=list(application_ids))


# --- Subject-access export ------------------------------------------------------------------
# The apps built on screening hold data about a candidate too (stored reports, self-identified
# demographics). Each registers a section at start-up; `screening.privacy.export` asks every
# section for its part. A section is called as ``section(candidate, user=user)`` and returns
# JSON-able data; it decides itself what `user` may see (a constant number of queries).

ExportSection = Callable[..., object]
_export_sections: dict[str, ExportSection] = {}


def provide_export_section(name: str, section: ExportSection) -> None:
    """Register the section that fills the export's ``name`` key (one per name)."""
    _export_sections[name] = section


def export_sections(candidate, *, user) -> dict[str, object]:
    """{name: data} from every registered section, in the order they were registered."""
    return {name: section(candidate, user=user) for name, section in _export_sections.items()}
