"""Local development and `make demo`: SQLite and eager Celery unless the
environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-insecure-key-do-not-deploy")
WHITENOISE_AUTOREFRESH = DEBUG
