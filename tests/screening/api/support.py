"""What the screening API tests share: URLs and helpers."""

from screening.models import CriterionScore

CANDIDATES = "/api/v1/candidates/"
APPLICATIONS = "/api/v1/applications/"
ASSIGNMENTS = "/api/v1/assignments/"
SCORECARDS = "/api/v1/scorecards/"


def scorecard_url(card, action: str = "") -> str:
    return f"{SCORECARDS}{card.pk}/{action + '/' if action else ''}"


def stored_scores(card) -> list[tuple]:
    return list(
        CriterionScore.objects.filter(scorecard=card)
        .order_by("criterion__order")
        .values_list("criterion__title", "value", "note")
    )


def assign_url(application) -> str:
    return f"{APPLICATIONS}{application.pk}/assignments/"
