"""Where the apps built on screening plug in, so that screening never imports
them (imports point one way: rubrics ← screening ← calibration, reports).

- ``scorecard_submitted`` is sent inside the submitting transaction with the
  scorecard's ``rubric_id`` and ``schedule_calibration`` (False when the
  submitter asks for no calibration run); calibration listens to schedule a run.
- ``adjusted_scores(rubric_ids)`` gives the severity-adjusted score of each
  application from the source that calibration registers at start-up
  (``{}`` when none is registered)."""

from collections.abc import Callable, Iterable

from django.dispatch import Signal

scorecard_submitted = Signal()

AdjustedScores = Callable[[Iterable[int]], dict[int, float]]
_adjusted_scores_source: AdjustedScores | None = None


def provide_adjusted_scores(source: AdjustedScores) -> None:
    """Register the function that reads adjusted scores (one per process)."""
    global _adjusted_scores_source
    _adjusted_scores_source = source


def adjusted_scores(rubric_ids: Iterable[int]) -> dict[int, float]:
    """Application id → severity-adjusted score, from the registered source."""
    if _adjusted_scores_source is None:
        return {}
    return _adjusted_scores_source(rubric_ids)
