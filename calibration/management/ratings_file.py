"""Reading the ratings file a calibration command is given: a path, or "-" for
standard input; UTF-8 (a BOM allowed); every failure a CommandError with a message."""

import math
import sys
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError

from core.csvfile import CsvFileError


def read_ratings_file(file: str, parse: Callable[[str, str], object]):
    """``parse(text, file)`` on the file's text; a CSV the reader cannot take is a
    CommandError naming the line."""
    try:
        if file == "-":
            text = sys.stdin.buffer.read().decode("utf-8-sig")
        else:
            text = Path(file).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise CommandError(f"{file} is not UTF-8 text.") from None
    try:
        return parse(text, file)
    except CsvFileError as exc:
        raise CommandError(f"{file}: {exc}") from None


# Far beyond any rating scale: larger values only overflow the statistics.
MAX_ABS_VALUE = 1e6
MISSING = ("", "NA", "NAN", ".")


class BadValue(ValueError):
    """A rating that is no number a scale could hold; the message says why."""


def rating_value(raw: str) -> float | None:
    """A cell of the ``value`` column: None for a missing rating (empty, NA, NaN
    or "."), else the number; BadValue when it is not one a rating scale has."""
    if raw.upper() in MISSING:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadValue(f"value “{raw}” is not a number") from None
    if not math.isfinite(value):
        raise BadValue(f"value “{raw}” is not finite")
    if abs(value) > MAX_ABS_VALUE:
        raise BadValue(f"value “{raw}” is not a level on a rating scale")
    return value
