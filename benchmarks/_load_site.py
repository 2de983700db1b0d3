"""Settings of the site that benchmarks/load.py serves with gunicorn: the
production settings (DEBUG off, the deployed middleware, throttling and Redis
cache), with the benchmark-only URLconf ``_load_urls`` (the site's URLs plus
one bare view). Never part of the deployed site: only
``DJANGO_SETTINGS_MODULE=_load_site`` (with benchmarks/ on the path) reaches it.

The benchmark sets the environment: DATABASE_URL (its throwaway database),
REDIS_URL (its own redis-server), DATABASE_CONN_MAX_AGE, DJANGO_SECRET_KEY,
DJANGO_ALLOWED_HOSTS, DJANGO_SECURE_SSL_REDIRECT=false (loopback HTTP), SITE_URL,
CALIBRATION_DEBOUNCE_SECONDS.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import REST_FRAMEWORK

ROOT_URLCONF = "_load_urls"
# The API's per-user throttle stays in the path (one cache round trip per request, as
# deployed) but at a rate no benchmark reviewer reaches.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "user": "1000000/minute",
    },
}
