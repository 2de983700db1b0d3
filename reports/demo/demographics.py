"""The demo's voluntary, self-identified demographics, with one built-in difference: women
are scored a level lower on one criterion ("Programming") than their hidden quality says, and
on nothing else, so the adverse-impact report flags that criterion and not the others.

Everything here follows from the candidate's index in the demo, never from a random draw, so
the demo's other figures (scores, calibration) stay as they were. The answers are spread so
that each group of one category holds both genders evenly: only gender carries the
difference. Six candidates answer "Prefer not to say", four do not answer at all, and two
answer "Non-binary" — a group under the minimum size, which the report never shows."""

from reports.impact.categories import PREFER_NOT_TO_SAY

BIASED_CRITERION = "Programming"
BIAS_LEVELS = 1.5  # how much lower, in scale points, before rounding
BIASED_GROUP = "Woman"

NO_ANSWER_PAIRS = (5, 16)
PREFER_NOT_TO_SAY_PAIRS = (2, 11, 18)
NON_BINARY = (18, 29)  # one from a woman's place, one from a man's
AGE_BANDS = ["Under 25", "25–34", "35–44"]
ETHNICITIES = ["Asian", "Black", "White", "Mixed or multiple", "White"]


def demo_answers(i: int) -> dict[str, str] | None:
    """The answers of demo candidate `i` (0-based), or None for one who gave none."""
    # Whole pairs (one woman, one man) stay silent or prefer not to say, so that every
    # other group keeps as many women as men.
    pair = i // 2
    if pair in NO_ANSWER_PAIRS:
        return None  # did not answer the questionnaire
    if pair in PREFER_NOT_TO_SAY_PAIRS:
        return dict.fromkeys(("gender", "ethnicity", "age_band", "disability"), PREFER_NOT_TO_SAY)
    alternating = "Woman" if i % 2 == 0 else "Man"
    gender = "Non-binary" if i in NON_BINARY else alternating
    # A pair (consecutive indices: one woman, one man) shares the other answers.
    return {
        "gender": gender,
        "ethnicity": ETHNICITIES[pair % len(ETHNICITIES)],
        "age_band": AGE_BANDS[pair % len(AGE_BANDS)],
        "disability": "Yes" if pair % 4 == 1 else "No",
    }


def score_shift(i: int, criterion_title: str) -> float:
    """What the demo's reviewers take off candidate `i`'s level on a criterion."""
    answers = demo_answers(i) or {}
    if criterion_title == BIASED_CRITERION and answers.get("gender") == BIASED_GROUP:
        return -BIAS_LEVELS
    return 0.0
