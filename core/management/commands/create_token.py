"""Make an API token for a user and print it (once: only its digest is stored)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken
from knox.settings import knox_settings


class Command(BaseCommand):
    help = "Make an API token for USERNAME and print it. Only its digest is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            help=f"Days until it expires (default {knox_settings.TOKEN_TTL.days}).",
        )

    def handle(self, *args, username: str, days: int | None, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        if days is not None and not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366.")
        ttl = timedelta(days=days) if days else knox_settings.TOKEN_TTL
        instance, token = AuthToken.objects.create(user=user, expiry=ttl)
        self.stdout.write(token)
        self.stderr.write(
            f"Token for {username}, expires {instance.expiry:%Y-%m-%d %H:%M %Z}. "
            "Store it now: it cannot be shown again."
        )
