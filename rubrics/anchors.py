"""Rating scales and the default anchor text for each level: pure, no Django.

An anchor says what a rating looks like for one criterion, so reviewers
read the same bar. The generated text is a starting point that recruiters
edit before publishing.
"""

SCALE_LABELS: dict[int, tuple[str, ...]] = {
    4: ("Does not meet", "Partially meets", "Meets", "Exceeds"),
    5: ("Does not meet", "Partially meets", "Meets", "Exceeds", "Far exceeds"),
}
SCALE_MIN = 1


def level_labels(scale_max: int) -> tuple[str, ...]:
    try:
        return SCALE_LABELS[scale_max]
    except KeyError:
        raise ValueError(f"A rating scale runs 1–4 or 1–5, not 1–{scale_max}.") from None


def default_knockout_level(scale_max: int) -> int:
    """Must-haves fail when the consensus is below "Partially meets": one
    reviewer's doubt alone does not knock a candidate out."""
    level_labels(scale_max)
    return 2


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split()).rstrip(".;,")
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(".;,") + "…"


def default_anchors(
    *, title: str, text: str, keywords: tuple[str, ...] | list[str], scale_max: int
) -> list[str]:
    """One anchor per level, lowest first, for a criterion of the given scale."""
    labels = level_labels(scale_max)
    subject = title.strip() or "this criterion"
    asked = _shorten(text) if text.strip() else subject
    evidence = f" (e.g. {', '.join(keywords)})" if keywords else ""
    anchors = [
        f"No evidence of {subject.lower()} in the application.",
        f"Some evidence of {subject.lower()}, with clear gaps or only indirect signs.",
        f"Clear evidence of what the posting asks: “{asked}”{evidence}.",
        f"Beyond the posting on {subject.lower()}: depth, scale, leadership or results "
        f"well past the bar{evidence}.",
    ]
    if len(labels) == 5:
        anchors.append(
            f"Exceptional on {subject.lower()}: among the strongest evidence a reviewer "
            f"is likely to see for this role."
        )
    return anchors
