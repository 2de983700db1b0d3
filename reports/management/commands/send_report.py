from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from reports.services import digest_prepare, report_send
from rubrics.models import JobPosting


class Command(BaseCommand):
    help = (
        "Build a posting's weekly digest for the last full week (stored once per period) and "
        "send it to its recruiters, or only to --to."
    )

    def add_arguments(self, parser):
        parser.add_argument("--posting", type=int, required=True, help="The posting's id.")
        parser.add_argument(
            "--to",
            action="append",
            default=None,
            metavar="EMAIL",
            help="Send only to this address (repeatable).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be sent; store and send nothing.",
        )

    def handle(self, *args, posting: int, to, dry_run: bool, **options):
        posting_obj = JobPosting.objects.filter(pk=posting).first()
        if posting_obj is None:
            raise CommandError(f"No posting has id {posting}.")
        for address in to or []:
            try:
                validate_email(address)
            except ValidationError:
                raise CommandError(f"“{address}” is not an email address.") from None
        if dry_run:
            report = digest_prepare(posting=posting_obj, store=False)
            recipients = to or report.recipients
            stored = " (stored already)" if report.pk else ""
            self.stdout.write(
                f"Dry run: would send “{report.subject}”{stored} to "
                f"{', '.join(recipients) or 'nobody (no recruiter has an email)'}."
            )
            self.stdout.write(report.text)
            return
        report = digest_prepare(posting=posting_obj)
        recipients = to or report.recipients
        if not recipients:
            raise CommandError(
                f"Nobody to send report {report.pk} to: give --to EMAIL or add "
                "a recruiter with an email address to the posting."
            )
        sent = report_send(report=report, to=to)
        skipped = len(recipients) - sent
        self.stdout.write(
            self.style.SUCCESS(
                f"Report {report.pk} “{report.subject}”: sent to {sent} recipient(s)"
                + (f"; {skipped} already had it." if skipped else ".")
            )
        )
