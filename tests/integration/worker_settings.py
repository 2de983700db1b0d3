"""Settings of the Celery worker that the integration tests start: the test
settings, with what a real worker needs that unit tests must not have.

- Tasks are not run eagerly. A worker executes what it receives whatever this
  says, but a task that sends a task (the retry of a busy calibration,
  `calibrate_active_rubrics`' `delay`) would otherwise run it inline, in the
  worker, at once, ignoring its countdown.
- The cache is Redis, shared with the test process under a prefix that the
  test session chose (INTEGRATION_CACHE_PREFIX): the calibration debounce
  key is set by the submitting process and deleted by the worker's run, so
  both must see the same cache, as in production.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import REDIS_URL, env

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("INTEGRATION_CACHE_PREFIX", default="rubrics-integration"),
    }
}
