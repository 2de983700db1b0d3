"""Score the parser against hand-made ground truth (the rules of shared/postings/README.md).

A ground-truth file ``NN_slug.json`` holds ``must_haves``, ``bonuses`` and ``ambiguous`` lists of
item texts. A predicted item (the posting text its span covers) matches a truth item of the same
bucket when their token F1 is at least 0.7; matching is greedy and one-to-one, best pairs first.
Unmatched predictions that match an ``ambiguous`` item (in any bucket) are free; other unmatched
predictions are false positives and unmatched truth items are misses. A posting on which the
parser raises counts every truth item as a miss. Pure Python: no Django import.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .model import ParsedPosting, PostingParseError

MATCH_THRESHOLD = 0.7
BUCKETS = ("must_haves", "bonuses")

_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`#>]")
_TOKEN = re.compile(r"[a-z0-9+#]+")


def tokens(text: str) -> list[str]:
    """The README's tokens: NFKC, lower case, links and *_`#> removed, runs of [a-z0-9+#]."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _MARKUP.sub("", _MD_LINK.sub(r"\1", text))
    return _TOKEN.findall(text)


def token_f1(predicted: str, truth: str) -> float:
    """Token F1 of two texts (tokens counted with multiplicity); 0.0 when either has none."""
    return _f1(Counter(tokens(predicted)), Counter(tokens(truth)))


def _f1(left: Counter, right: Counter) -> float:
    common = sum((left & right).values())
    if not common:
        return 0.0
    precision = common / sum(left.values())
    recall = common / sum(right.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class PostingScore:
    """One posting's counts, and the texts behind the errors for reading by hand."""

    name: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    error: str | None = None
    false_positives: list[tuple[str, str]] = field(default_factory=list)  # (bucket, text)
    misses: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Evaluation:
    """Per-posting scores and the totals summed over them."""

    postings: list[PostingScore]

    @property
    def tp(self) -> int:
        return sum(score.tp for score in self.postings)

    @property
    def fp(self) -> int:
        return sum(score.fp for score in self.postings)

    @property
    def fn(self) -> int:
        return sum(score.fn for score in self.postings)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_posting(name: str, predicted: dict[str, list[str]], truth: dict) -> PostingScore:
    """Compare predicted item texts per bucket with one ground-truth object."""
    score = PostingScore(name)
    ambiguous = [Counter(tokens(text)) for text in truth.get("ambiguous", [])]
    for bucket in BUCKETS:
        guesses = list(predicted.get(bucket, []))
        answers = list(truth.get(bucket, []))
        pairs = _matching(guesses, answers)
        score.tp += len(pairs)
        matched_guesses = {g for g, _ in pairs}
        matched_answers = {a for _, a in pairs}
        for index, guess in enumerate(guesses):
            if index in matched_guesses:
                continue
            bag = Counter(tokens(guess))
            if any(_f1(bag, other) >= MATCH_THRESHOLD for other in ambiguous):
                continue
            score.fp += 1
            score.false_positives.append((bucket, guess))
        for index, answer in enumerate(answers):
            if index not in matched_answers:
                score.fn += 1
                score.misses.append((bucket, answer))
    return score


def _matching(guesses: list[str], answers: list[str]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching, best token F1 first (ties in document order)."""
    guess_bags = [Counter(tokens(text)) for text in guesses]
    answer_bags = [Counter(tokens(text)) for text in answers]
    candidates = [
        (value, g, a)
        for g, left in enumerate(guess_bags)
        for a, right in enumerate(answer_bags)
        if (value := _f1(left, right)) >= MATCH_THRESHOLD
    ]
    candidates.sort(key=lambda entry: (-entry[0], entry[1], entry[2]))
    used_guesses: set[int] = set()
    used_answers: set[int] = set()
    pairs = []
    for _, g, a in candidates:
        if g in used_guesses or a in used_answers:
            continue
        used_guesses.add(g)
        used_answers.add(a)
        pairs.append((g, a))
    return pairs


def predicted_buckets(parsed: ParsedPosting, text: str) -> dict[str, list[str]]:
    """The texts the scorer compares, per bucket: the posting text each item came from.

    Ground truth is the item's text verbatim from the posting (label and tags kept), and an
    item's span is exactly that source, so the span is compared rather than the item's display
    text (which drops "Skills:" labels and "(required)" tags).
    """
    return {
        "must_haves": [text[slice(*item.span)] for item in parsed.must_haves],
        "bonuses": [text[slice(*item.span)] for item in parsed.bonuses],
    }


def posting_files(directory: Path) -> list[tuple[str, Path, Path]]:
    """(name, text path, truth path) for every NN_slug.txt with its NN_slug.json, sorted."""
    found = []
    for text_path in sorted(directory.glob("*.txt")):
        truth_path = text_path.with_suffix(".json")
        if truth_path.exists():
            found.append((text_path.stem, text_path, truth_path))
    return found


def evaluate(
    cases: Iterable[tuple[str, str, dict]], parse: Callable[[str], ParsedPosting]
) -> Evaluation:
    """Score `parse` on (name, posting text, truth) cases."""
    scores = []
    for name, text, truth in cases:
        try:
            predicted = predicted_buckets(parse(text), text)
        except Exception as exc:  # noqa: BLE001 - any crash scores the posting as all misses
            score = score_posting(name, {}, truth)
            score.error = str(exc) if isinstance(exc, PostingParseError) else repr(exc)
        else:
            score = score_posting(name, predicted, truth)
        scores.append(score)
    return Evaluation(scores)


def evaluate_directory(directory: Path, parse: Callable[[str], ParsedPosting]) -> Evaluation:
    """Score `parse` on every posting with ground truth in `directory`."""
    cases = (
        (
            name,
            # Bytes decoded by hand: read_text() would translate line endings.
            text_path.read_bytes().decode("utf-8-sig"),
            json.loads(truth_path.read_text(encoding="utf-8")),
        )
        for name, text_path, truth_path in posting_files(directory)
    )
    return evaluate(cases, parse)
