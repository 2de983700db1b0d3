"""Where a page's words sit on the page, by their offsets into the page's normalised text.

PDFium hands over a page's text and, for each of its characters, a box in PDF points. The
text we store is that text normalised (``extract._normalise``: NFKC, so "ﬁ" becomes two
letters; "\\r\\n" one "\\n"; a guessed line-end hyphen dropped; runs of blank lines folded),
so the character offsets differ. ``normalise_with_offsets`` normalises the same way one
character at a time and says where each raw character's text starts in the result; ``words``
groups the characters into words (a word ends at a space, at a line's end, or where the text
jumps across the page: a second column) and gives each its span of normalised text and its
box. ``passage_rects`` turns a span of normalised text into the rectangles that cover it, one
per line, ready to lay over the page's image.

A word is ``[start, end, x0, y0, x1, y1]``: the span ``start``–``end`` of the normalised text,
and its box as fractions of the page as drawn (0..1, ``y`` from the top), rounded to 4
decimals (a twelfth of a point on an A4 page). Pure Python, no Django, no PDFium.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Sequence

__all__ = ["Box", "Transform", "normalise_with_offsets", "passage_rects", "words"]

# A character's box in PDF points, (left, bottom, right, top), y up; or None for a character
# with no place of its own (a space, a line end).
Box = tuple[float, float, float, float] | None
# From a point in PDF points to fractions of the page as drawn, y from the top.
Transform = Callable[[float, float], tuple[float, float]]


def normalise_with_offsets(raw: str) -> tuple[str, list[int]]:
    """The normalised text (as ``extract._normalise`` makes it) and, for each character of
    ``raw``, where its text starts in it (one more entry: the text's length). A character
    whose text was dropped starts where the next kept one does."""
    # NFKC a base character together with the combining marks after it, so that "e" + U+0301
    # composes as it does in the whole string; the marks then give no text of their own.
    size = len(raw)
    if raw.isascii():  # nothing for NFKC to do
        mid, owner = list(raw), list(range(size))
    else:
        mid, owner = [], []  # ``owner``: the raw index each character of ``mid`` came from
        index = 0
        while index < size:
            end = index + 1
            while end < size and unicodedata.combining(raw[end]):
                end += 1
            piece = raw[index:end]
            if not piece.isascii():
                piece = unicodedata.normalize("NFKC", piece)
            mid.extend(piece)
            owner.extend([index] * len(piece))
            index = end
    keep = [True] * len(mid)
    for at, character in enumerate(mid):
        if character == "\r":
            if at + 1 < len(mid) and mid[at + 1] == "\n":
                keep[at] = False
            else:
                mid[at] = "\n"
        elif character == "\x02":
            mid[at] = "-"
        elif character == "\ufffe":
            keep[at] = False
    # Runs of three or more line ends fold to two; leading and trailing line ends go.
    run: list[int] = []
    for at, character in enumerate(mid):
        if not keep[at]:
            continue
        if character == "\n":
            run.append(at)
            continue
        for extra in run[2:]:
            keep[extra] = False
        run = []
    for extra in run:  # trailing
        keep[extra] = False
    for at, character in enumerate(mid):
        if not keep[at]:
            continue
        if character != "\n":
            break
        keep[at] = False  # leading
    text = "".join(c for c, kept in zip(mid, keep, strict=True) if kept)
    return text, _starts(owner, keep, size)


def _starts(owner: list[int], keep: list[bool], size: int) -> list[int]:
    """Where each raw character's text starts among the kept characters."""
    starts = [-1] * (size + 1)
    seen = 0
    for at, source in enumerate(owner):
        if starts[source] < 0:
            starts[source] = seen
        if keep[at]:
            seen += 1
    starts[size] = seen
    for raw_index in range(size - 1, -1, -1):  # a character that gave nothing at all
        if starts[raw_index] < 0:
            starts[raw_index] = starts[raw_index + 1]
    return starts


def words(
    text: str, starts: Sequence[int], boxes: Sequence[Box], to_page: Transform
) -> list[list[float]]:
    """The words of a page: runs of characters with a box and some non-space text, on one
    line. ``starts`` is ``normalise_with_offsets``'s second result for the raw text whose
    characters' boxes are ``boxes`` (in PDF points, y up); ``to_page`` takes a point there to
    fractions of the page as drawn. A character with a box but no text (a line-end hyphen
    PDFium dropped) widens its word's box without adding to its text."""
    found: list[list[float]] = []
    current: list[float] | None = None
    previous_left = 0.0
    for index, box in enumerate(boxes):
        if box is None:
            current = None
            continue
        start, end = starts[index], starts[index + 1]
        if start < end and text[start:end].isspace():
            current = None
            continue
        left, bottom, right, top = box
        if current is not None and _same_line(current, left, bottom, top, previous_left):
            previous_left = left
            if end > current[1]:
                current[1] = end
            if left < current[2]:
                current[2] = left
            if bottom < current[3]:
                current[3] = bottom
            if right > current[4]:
                current[4] = right
            if top > current[5]:
                current[5] = top
            continue
        if start == end:  # no text of its own and no word to widen
            current = None
            continue
        current = [start, end, left, bottom, right, top]
        previous_left = left
        found.append(current)
    placed = []
    for start, end, left, bottom, right, top in found:
        ax, ay = to_page(left, top)
        bx, by = to_page(right, bottom)
        placed.append(
            [
                start,
                end,
                *(
                    round(min(max(v, 0.0), 1.0), 4)
                    for v in (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
                ),
            ]
        )
    return placed


def _same_line(
    word: list[float], left: float, bottom: float, top: float, previous_left: float
) -> bool:
    height = top - bottom
    overlap = min(top, word[5]) - max(bottom, word[3])
    if overlap < 0.5 * min(height, word[5] - word[3]):
        return False
    # Backwards, or a gap wider than a space would be: another column or a new line. (The
    # letters of a ligature share its box: the second starts where the first did.)
    if left < previous_left - 0.01 * height and left < word[4] - 0.2 * height:
        return False
    return left <= word[4] + 0.35 * height


def passage_rects(
    page_words: Sequence[Sequence[float]], start: int, end: int
) -> list[tuple[float, float, float, float]]:
    """The rectangles ``(left, top, width, height)``, as fractions of the page, that cover
    the normalised text ``start``–``end``: the words it touches, a word it covers in part
    narrowed in proportion, neighbours on one line joined into one rectangle."""
    if end <= start or not page_words:
        return []
    ends = [w[1] for w in page_words]
    first = bisect.bisect_right(ends, start)
    rects: list[list[float]] = []
    for word in page_words[first:]:
        w_start, w_end, x0, y0, x1, y1 = word
        if w_start >= end:
            break
        if w_end <= start:
            continue
        length = max(w_end - w_start, 1)
        left = x0 + (x1 - x0) * max(start - w_start, 0) / length
        right = x1 - (x1 - x0) * max(w_end - end, 0) / length
        last = rects[-1] if rects else None
        if last and min(y1, last[3]) - max(y0, last[1]) > 0.5 * (y1 - y0) and left >= last[0]:
            last[1], last[2], last[3] = min(last[1], y0), max(last[2], right), max(last[3], y1)
        else:
            rects.append([left, y0, right, y1])
    return [
        (round(x0, 4), round(y0, 4), round(x1 - x0, 4), round(y1 - y0, 4))
        for x0, y0, x1, y1 in rects
    ]
