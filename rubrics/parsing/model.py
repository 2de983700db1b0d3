"""The parser's output: plain frozen dataclasses, and its one error type."""

from __future__ import annotations

from dataclasses import dataclass

MAX_POSTING_BYTES = 200 * 1024

MUST = "must"
BONUS = "bonus"
RESP = "resp"
OTHER = "other"
# A section under a heading whose name says nothing: its content decides what it holds.
UNKNOWN = "unknown"


class PostingParseError(ValueError):
    """The posting cannot be parsed; the message is a sentence meant for the user."""


@dataclass(frozen=True)
class ParsedItem:
    """One must-have, bonus or responsibility; span indexes the original posting text.

    confidence is "low" when the item was graded from weak evidence ("should" prose, or content
    under a heading whose name says nothing), "high" otherwise.
    """

    title: str
    text: str
    keywords: tuple[str, ...]
    span: tuple[int, int]
    confidence: str = "high"

    def to_dict(self) -> dict:
        return {"title": self.title, "text": self.text, "keywords": list(self.keywords)}


@dataclass(frozen=True)
class ProseHint:
    """A requirement-like sentence the parser saw but did not make into an item."""

    text: str
    span: tuple[int, int]


@dataclass(frozen=True)
class ParsedPosting:
    """The parsed posting; unplaced lists requirement-like prose that gave no item."""

    title: str
    must_haves: tuple[ParsedItem, ...]
    bonuses: tuple[ParsedItem, ...]
    responsibilities: tuple[ParsedItem, ...]
    unplaced: tuple[ProseHint, ...] = ()

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "must_haves": [item.to_dict() for item in self.must_haves],
            "bonuses": [item.to_dict() for item in self.bonuses],
            "responsibilities": [item.to_dict() for item in self.responsibilities],
        }
