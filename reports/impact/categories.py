"""The self-identification questions: categories and their answers, from the
IMPACT_CATEGORIES setting ({category: [answer, ...]}) or the defaults below. Every category
also offers PREFER_NOT_TO_SAY, which is stored but never compared."""

from django.conf import settings

from reports.impact.stats import DEFAULT_MINIMUM_GROUP_SIZE

PREFER_NOT_TO_SAY = "Prefer not to say"

DEFAULT_CATEGORIES = {
    "gender": ["Woman", "Man", "Non-binary", "Another gender"],
    "ethnicity": ["Asian", "Black", "Mixed or multiple", "White", "Another ethnic group"],
    "age_band": ["Under 25", "25–34", "35–44", "45–54", "55 or over"],
    "disability": ["Yes", "No"],
}


def categories() -> dict[str, list[str]]:
    """{category: [answer, ..., PREFER_NOT_TO_SAY]} in the configured order."""
    configured = getattr(settings, "IMPACT_CATEGORIES", None) or DEFAULT_CATEGORIES
    return {
        category: [a for a in answers if a != PREFER_NOT_TO_SAY] + [PREFER_NOT_TO_SAY]
        for category, answers in configured.items()
    }


def label(category: str) -> str:
    """ "age_band" → "Age band"."""
    return category.replace("_", " ").capitalize()


def minimum_group_size() -> int:
    """IMPACT_MINIMUM_GROUP_SIZE (default 5): smaller groups are merged or not shown."""
    return int(getattr(settings, "IMPACT_MINIMUM_GROUP_SIZE", DEFAULT_MINIMUM_GROUP_SIZE))
