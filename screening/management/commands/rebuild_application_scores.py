"""Rebuild the stored application scores (what the ranking reads) from the ratings, or
check them against a recomputation."""

from django.core.management.base import BaseCommand, CommandError

from rubrics.models import JobPosting
from screening import score_counts, scores


class Command(BaseCommand):
    help = (
        "Rebuild every application's stored score row (of one posting with --posting) from "
        "the ratings, a chunk of 2,000 applications a transaction. With --check nothing is "
        "written: the rows that differ from a recomputation (or are missing) are listed, "
        "and the exit status is 1 if there is any. The kept row counts per posting, stage "
        "and must-have result are counted again (or, with --check, compared) too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--posting", type=int, default=None, help="The posting's id.")
        parser.add_argument(
            "--check", action="store_true", help="Compare only; exit 1 on any difference."
        )

    def handle(self, *args, posting=None, check=False, **options):
        if posting is not None and not JobPosting.objects.filter(pk=posting).exists():
            raise CommandError(f"No posting has the id {posting}.")
        where = f" of posting {posting}" if posting is not None else ""
        if check:
            differing = scores.differing_application_scores(posting_id=posting)
            if differing:
                shown = ", ".join(map(str, differing[:20]))
                more = f" and {len(differing) - 20} more" if len(differing) > 20 else ""
                raise CommandError(
                    f"{len(differing):,} stored score rows{where} differ from the ratings: "
                    f"applications {shown}{more}. Run rebuild_application_scores to mend them."
                )
            miscounted = score_counts.differing_counts(posting)
            if miscounted:
                raise CommandError(
                    f"The kept row counts of posting(s) {', '.join(map(str, miscounted))} "
                    "differ from their stored rows. Run rebuild_application_scores to mend them."
                )
            self.stdout.write(f"Every stored score row{where} matches the ratings.")
            return
        written = scores.rebuild_application_scores(posting_id=posting)
        score_counts.rebuild_counts(posting)
        self.stdout.write(f"Rebuilt {written:,} stored score rows{where} and their counts.")
