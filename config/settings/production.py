"""Production: no default secret, HTTPS everywhere. A missing
DJANGO_SECRET_KEY or DJANGO_ALLOWED_HOSTS stops start-up."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# The documents' storage as base chose it (the filesystem, or S3 when configured).
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Django believes X-Forwarded-Proto: the proxy in front MUST set it itself, replacing any
# value the client sent (nginx: `proxy_set_header X-Forwarded-Proto $scheme;`), or a client
# could claim HTTPS over plain HTTP. See README, "Configuration".
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# /healthz is probed over plain HTTP by the orchestrator inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
# Where links in emails point: the first allowed host over https unless
# SITE_URL says. A wrong one would send every recipient to a dead address,
# so it stops start-up like a missing secret.
SITE_URL = env("SITE_URL", default=f"https://{ALLOWED_HOSTS[0]}")
_site = urlsplit(SITE_URL)
if (
    _site.scheme not in ("http", "https")
    or not _site.hostname
    or _site.hostname.startswith(".")
    or "*" in SITE_URL
    or _site.path.strip("/")
    or _site.query
    or _site.fragment
):
    raise ImproperlyConfigured(
        f"SITE_URL must be the site's address, such as https://rubrics.example.org, not "
        f"{SITE_URL!r}; set it when DJANGO_ALLOWED_HOSTS starts with a wildcard."
    )
if _site.scheme != "https" and SECURE_SSL_REDIRECT:
    raise ImproperlyConfigured(
        f"SITE_URL must start with https:// in production (the site redirects http to "
        f"https), not {SITE_URL!r}."
    )
