"""DRF's throttles, counting in the cache, but never failing a request when the
cache is down: then the request is let through (and the outage logged), since a
rate limit is a guard and Redis being down must not take the API with it."""

import logging

from rest_framework import throttling

logger = logging.getLogger(__name__)


class _CacheTolerant:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("Cache unavailable: %s not applied", type(self).__name__, exc_info=True)
            return True


class AnonRateThrottle(_CacheTolerant, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_CacheTolerant, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_CacheTolerant, throttling.ScopedRateThrottle):
    pass
