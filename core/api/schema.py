"""How the OpenAPI schema describes the project's own authentication classes."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


class LockoutBasicScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.auth.LockoutBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a machine-readable `code`, and a `detail` or a list of "
    "messages per input keyed by the input's path (`scores[1].value`).",
    "properties": {
        # One message, or (a validation error of the whole input) a list of them.
        "detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "code": {"type": "string"},
    },
    "required": ["code"],
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
ERRORS = {
    "400": "The input is wrong: messages per input.",
    "401": "Wrong or missing credentials where this endpoint asks for them "
    "(a password for the token login, a token for the logout).",
    "403": "Not signed in, a bad token, or not allowed.",
    "404": "No such object, or not one you may see (or no such page of a list).",
    "409": "The data's state refuses the change (e.g. a published rubric, a submitted scorecard).",
    "413": "The request body is over the size limit.",
    "429": "Too many requests, or sign-in locked after wrong passwords.",
    "503": "A service the answer needs (the task result store) is down; try again shortly.",
}
WRITES = {"post", "put", "patch", "delete"}


def document_errors(result, generator, request, public):
    """Postprocessing hook: every operation lists the error answers it can give,
    in the one shape the exception handler makes (``core/api/exceptions.py``)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    challenging = _paths_that_challenge(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", *WRITES}:
                continue
            codes = {"403", "429"}
            if method in WRITES - {"delete"} or operation.get("parameters"):
                codes.add("400")
            if "{" in path or any(p.get("name") == "page" for p in operation.get("parameters", [])):
                codes.add("404")  # an object, or a page of a list ("Invalid page.")
            if path in challenging:
                codes.add("401")
            if method in WRITES:
                codes |= {"409", "413"} if method != "delete" else {"409"}
            if path.endswith("/status/"):
                codes.add("503")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(code, {"description": ERRORS[code], "content": body})
    return result


def _paths_that_challenge(generator) -> set[str]:
    """Paths whose views answer 401, not 403, without credentials: DRF does so when the
    view's first authentication class names a challenge (basic auth, knox's token)."""
    paths = set()
    for path, _regex, _method, callback in generator.endpoints or ():
        classes = getattr(getattr(callback, "cls", None), "authentication_classes", None)
        if classes and classes[0]().authenticate_header(None):
            paths.add(path)
    return paths
