"""Links from a posting's page to what other apps keep about it (applications,
ranking, calibration runs, reports), with counts. Rubrics may not import the
apps above it, so each of them registers a provider here from its
AppConfig.ready(); a provider takes the posting and the user and returns its
links (none for a user who may not see them), costing at most one query."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PostingLink:
    """ "12 applications", "1 report", or with no count "Ranking"."""

    url: str
    one: str
    many: str = ""
    count: int | None = None

    @property
    def text(self) -> str:
        if self.count is None:
            return self.one
        return f"{self.count} {self.one if self.count == 1 else (self.many or self.one)}"


Provider = Callable[..., list[PostingLink]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider, called as provider(posting=..., user=...); registering the same
    one twice keeps one (ready() can run more than once in tests)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def links_for(*, posting, user) -> list[PostingLink]:
    """Every registered provider's links for the posting, in the order they registered."""
    links: list[PostingLink] = []
    for provider in _providers:
        links.extend(provider(posting=posting, user=user))
    return links
