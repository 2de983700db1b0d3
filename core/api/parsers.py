"""Request parsers that answer 400, never 500, whatever the body.

Python's JSON decoder recurses once per nested array or object, so a small
body of a thousand ``[`` raises ``RecursionError`` inside the parser, which
DRF does not turn into a parse error. No document this API accepts nests
deeper than a few levels (a rubric's criteria with their anchors is four), so
bodies nested deeper than ``MAX_DEPTH`` are refused before anything reads
them.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def too_deep(data: object, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` (decoded JSON) nests lists/dicts deeper than ``limit``.
    Iterative, so it cannot itself run out of stack."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep_message()) from None
        if too_deep(data):
            raise ParseError(_too_deep_message())
        return data


def _too_deep_message() -> str:
    return f"JSON parse error - the body nests arrays or objects more than {MAX_DEPTH} deep."
