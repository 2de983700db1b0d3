"""Password sign-in over the API, under the same lockout as the admin's."""

import binascii
import logging
from hmac import compare_digest

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
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
            return self._knox_credentials(token)
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

    def _knox_credentials(self, token: bytes):
        """Knox's own check (``knox.auth.TokenAuthentication.authenticate_credentials``:
        every stored token with the key's prefix is tried, the user's expired tokens are
        deleted on the way) with one query instead of two: the tokens of the users holding
        that prefix, with their user. Nothing is cached: a revoked token is refused at once."""
        message = _("Invalid token.")
        token = token.decode("utf-8")
        key = token[: CONSTANTS.TOKEN_KEY_LENGTH]
        model = get_token_model()
        tokens = list(
            model.objects.filter(
                user__in=model.objects.filter(token_key=key).values("user")
            ).select_related("user")
        )
        by_user: dict[int, list] = {}
        for auth_token in tokens:
            by_user.setdefault(auth_token.user_id, []).append(auth_token)
        for auth_token in tokens:
            if auth_token.pk is None or auth_token.token_key != key:
                continue
            if self._cleanup(auth_token, by_user):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(message) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def _cleanup(self, auth_token, by_user: dict[int, list]) -> bool:
        """Knox's ``_cleanup_token`` over the tokens already read: delete the user's other
        expired tokens, and this one when expired (then True: skip it)."""
        now = timezone.now()
        for other in by_user[auth_token.user_id]:
            if other.pk is None:  # deleted already
                continue
            if other.digest != auth_token.digest and other.expiry and other.expiry < now:
                username = other.user.get_username()
                other.delete()
                token_expired.send(sender=self.__class__, username=username, source="other_token")
        if auth_token.expiry is not None and auth_token.expiry < now:
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


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
