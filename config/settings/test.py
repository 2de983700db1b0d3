"""Test settings: the database and broker come from DATABASE_URL / REDIS_URL
when set (CI runs on PostgreSQL and Redis); unit tests run tasks eagerly and
integration tests talk to a real worker explicitly."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="test-only-insecure-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
TEST_ARTIFACTS_DIR = env("TEST_ARTIFACTS_DIR", default=str(VAR_DIR / "test-artifacts"))
# Serve static files from the finders; tests do not run collectstatic.
WHITENOISE_AUTOREFRESH = True
# Each test gets its own in-process cache; integration tests opt in to Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests that check the automatic calibration turn it on themselves.
CALIBRATION_ON_SUBMIT = False
# Documents the tests upload (seed_demo's résumés included) go here, never into the
# demo's var/media; emptied at the start of each run (tests/conftest.py).
MEDIA_ROOT = Path(env("TEST_MEDIA_ROOT", default=str(VAR_DIR / "test-media")))
