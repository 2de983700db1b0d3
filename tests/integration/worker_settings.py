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

The fault tests (test_faults.py) also serve the site with these settings, on
a Redis of their own, and set the INTEGRATION_* variables below.
"""

import time

from config.settings.base import CACHES as _DEPLOYED_CACHES
from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS, REDIS_URL, env

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("INTEGRATION_CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": env("INTEGRATION_CACHE_PREFIX", default="rubrics-integration"),
        # The deployed timeouts: a cache that is down fails fast.
        "OPTIONS": _DEPLOYED_CACHES["default"].get("OPTIONS", {}),
    }
}

# A server that schedules calibrations after submissions, as deployed.
CALIBRATION_ON_SUBMIT = env.bool("INTEGRATION_CALIBRATION_ON_SUBMIT", default=False)

# Redis gives a message that a dead worker took back to the queue only once it
# has been unacknowledged for `visibility_timeout` (an hour by default), and
# looks for such messages every interval × throttle seconds (10 × 10): a test
# that kills a worker shortens both.
if env("INTEGRATION_VISIBILITY_TIMEOUT", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": env.int("INTEGRATION_VISIBILITY_TIMEOUT"),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

# A task that reports progress sleeps this long after each report, so that a
# test can kill the worker while a calibration is running (the run is marked
# running before its first report).
_PROGRESS_SLEEP = env.float("INTEGRATION_PROGRESS_SLEEP", default=0)
if _PROGRESS_SLEEP:
    from celery.app.task import Task

    _update_state = Task.update_state

    def _update_state_then_sleep(self, task_id=None, state=None, meta=None, **kwargs):
        _update_state(self, task_id, state, meta, **kwargs)
        if state == "PROGRESS":
            time.sleep(_PROGRESS_SLEEP)

    Task.update_state = _update_state_then_sleep
