"""Who is calling: the client's address as the sign-in lockout counts it."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The address of the client, not of the proxy in front of the app.

    With ``TRUSTED_PROXY_COUNT = n`` proxies each appending to X-Forwarded-For,
    the client is the n-th address from the right; anything further left was
    written by the client and is not believed. With no proxy (the default), the
    header is ignored entirely and REMOTE_ADDR is the client."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
