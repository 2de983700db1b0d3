"""Revoke a user's API tokens: all of them, or the ones starting with a prefix."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Revoke USERNAME's API tokens (all, or those whose key starts with --key)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--key", help="Revoke only tokens whose key starts with this.")

    def handle(self, *args, username: str, key: str | None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        tokens = AuthToken.objects.filter(user=user)
        if key:
            tokens = tokens.filter(token_key__startswith=key[:15])
        count, _ = tokens.delete()
        self.stdout.write(f"Revoked {count} token{'' if count == 1 else 's'} of {username}.")
