"""Password sign-in over the API, under the same lockout as the admin's."""

import logging

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.core.cache import cache
from knox import auth as knox_auth
from rest_framework import exceptions, status
from rest_framework.authentication import BasicAuthentication

from core.security import client_ip

logger = logging.getLogger(__name__)


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        super().__init__(
            f"Too many wrong passwords: sign-in is locked for {minutes} minutes, "
            "or until an administrator lifts the lock."
        )


class LockoutBasicAuthentication(BasicAuthentication):
    """HTTP basic auth that answers 429 while the username or the address is
    locked out, even with the right password. A wrong password counts as a
    failure through Django's ``user_login_failed`` signal, which axes hears."""

    def authenticate_credentials(self, userid, password, request=None):
        credentials = {"username": userid}
        http_request = getattr(request, "_request", request)
        if http_request is not None and AxesProxyHandler.is_locked(http_request, credentials):
            raise LockedOut()
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if http_request is not None and AxesProxyHandler.is_locked(http_request, credentials):
                raise LockedOut() from None
            raise


class TokenAuthentication(knox_auth.TokenAuthentication):
    """Knox's token check, with wrong tokens counted per client address: past
    ``API_BAD_CREDENTIALS_PER_MINUTE`` in a minute, the address gets 429 until
    the minute is over. (Guessing a 64-character token is hopeless anyway; this
    keeps a flood of them from costing a digest each.)"""

    def authenticate_credentials(self, token):
        key = f"api-bad-credentials:{client_ip(self.request_for_count) or '-'}"
        limit = settings.API_BAD_CREDENTIALS_PER_MINUTE
        if (_cache_call(cache.get, key) or 0) >= limit:
            raise exceptions.Throttled(wait=60)
        try:
            return super().authenticate_credentials(token)
        except exceptions.AuthenticationFailed:
            if _cache_call(cache.add, key, 1, timeout=60) is False:
                try:
                    _cache_call(cache.incr, key)
                except ValueError:  # expired between add and incr
                    _cache_call(cache.add, key, 1, timeout=60)
            raise

    def authenticate(self, request):
        self.request_for_count = request
        return super().authenticate(request)


def _cache_call(method, *args, **kwargs):
    """A cache call that a cache outage turns into None (logged): counting wrong
    tokens is a guard, and a request must not fail because the guard cannot count."""
    try:
        return method(*args, **kwargs)
    except ValueError:
        raise
    except Exception:
        logger.warning("Cache unavailable: wrong-token counting skipped", exc_info=True)
        return None
