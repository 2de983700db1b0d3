"""The ranking API's cursors: where the next page starts (keyset paging,
``selectors.Ranking.after``). A cursor holds the sort values of the last row listed, how
many rows were listed up to it, and the posting, order and filters it was made for; it is
signed, so a client cannot hand-make one, and refused for another listing."""

from django.core import signing
from rest_framework.exceptions import ValidationError

SALT = "screening.api.ranking-cursor"


def _listing(ranking) -> list:
    return [ranking.posting.pk, ranking.order, ranking.stage or "", ranking.must_haves or ""]


def dump(ranking, row, listed: int) -> str:
    """The cursor of the page after ``row``, the ``listed``-th row of the listing."""
    return signing.dumps(
        {"for": _listing(ranking), "key": ranking.key_of(row), "listed": listed},
        salt=SALT,
        compress=True,
    )


def load(text: str, ranking) -> tuple[dict, int]:
    """(sort values of the last row listed, rows listed up to it), or a field error."""
    try:
        cursor = signing.loads(text, salt=SALT)
        key, listed, listing = cursor["key"], cursor["listed"], cursor["for"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(
            {"cursor": ["Not a cursor of this ranking: follow the Link header's next page."]}
        ) from None
    if listing != _listing(ranking):
        raise ValidationError(
            {
                "cursor": [
                    "This cursor belongs to another order or filter: start again from "
                    "the first page."
                ]
            }
        )
    return key, int(listed)
