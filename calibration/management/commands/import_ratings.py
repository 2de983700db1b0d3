from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from calibration.imports import check_ratings, import_ratings
from rubrics.models import JobPosting


class Command(BaseCommand):
    help = (
        "Import historical ratings (CSV: candidate,reviewer,criterion,value,date"
        "[,candidate_name]) for a posting. Any bad line: every bad line is reported and "
        "nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--posting", type=int, required=True, help="The posting's id.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would be imported.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, file: str, posting: int, **options):
        posting_obj = JobPosting.objects.filter(pk=posting).first()
        if posting_obj is None:
            raise CommandError(f"No posting has id {posting}.")
        try:
            lines = Path(file).read_bytes().decode("utf-8-sig").splitlines(keepends=True)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        quiet = options["no_progress"] or options["verbosity"] == 0
        with tqdm(
            total=max(len(lines) - 1, 0),
            desc="Checking",
            unit="line",
            disable=quiet,
            file=self.stderr._out,
        ) as bar:
            checked = check_ratings(posting=posting_obj, lines=lines, progress=bar.update)
        if checked.errors:
            for line, message in checked.errors:
                self.stderr.write(f"line {line}: {message}" if line else message)
            raise CommandError(
                f"{len(checked.errors)} bad line(s) in {file}; nothing was imported."
            )
        summary = (
            f"{len(checked.rows)} ratings in {checked.scorecards} scorecards "
            f"({checked.new_candidates} new candidates) for “{posting_obj}”, "
            f"rubric v{checked.rubric.version}"
        )
        if options["dry_run"]:
            self.stdout.write(f"Dry run: would import {summary}. Nothing was written.")
            return
        with tqdm(
            total=len(checked.rows),
            desc="Importing",
            unit="rating",
            disable=quiet,
            file=self.stderr._out,
        ) as bar:
            import_ratings(checked=checked, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
