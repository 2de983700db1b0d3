"""Every API endpoint, found by walking the URL resolver: a route added later is covered
by the tests that use this without being listed anywhere."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/v1/"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_PATH_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Endpoint:
    route: str  # e.g. "/api/v1/scorecards/{pk}/submit/"
    method: str  # upper case
    name: str

    @property
    def collection(self) -> str:
        return self.route.removeprefix(f"/{API_PREFIX}").split("/", 1)[0] or "root"

    def url(self, values: dict) -> str:
        return self.route.format(**values)


def _route_of(pattern_text: str) -> str:
    text = _REGEX_GROUP.sub(lambda m: "{" + m.group(1) + "}", pattern_text)
    text = _PATH_CONVERTER.sub(lambda m: "{" + m.group(1) + "}", text)
    return text.replace("^", "").replace("$", "").replace("\\", "")


def _methods_of(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a viewset: the router says which methods it routes
        return [m for m in HTTP_METHODS if m in actions]
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return [m for m in HTTP_METHODS if view_class is not None and hasattr(view_class, m)]


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            yield text, pattern


def api_endpoints() -> list[Endpoint]:
    endpoints = set()
    for text, pattern in _walk(get_resolver().url_patterns):
        route = "/" + _route_of(text)
        if not route.startswith(f"/{API_PREFIX}") or "{format}" in route:
            continue  # not the API, or a router's `.json` suffix twin of a route
        for method in _methods_of(pattern.callback):
            endpoints.add(Endpoint(route=route, method=method.upper(), name=pattern.name or ""))
    return sorted(endpoints, key=lambda e: (e.route, e.method))
