import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rubrics.parsing import MAX_POSTING_BYTES, PostingParseError, parse_posting


class Command(BaseCommand):
    help = "Parse a job posting file and print its must-haves, bonuses and responsibilities."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A posting as UTF-8 text ('-' reads standard input).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, file: str, **options):
        text = self._read(file)
        try:
            parsed = parse_posting(text)
        except PostingParseError as exc:
            raise CommandError(f"{file}: {exc}") from None
        if options["json"]:
            self.stdout.write(_dumps(parsed.to_dict()))
            return
        self.stdout.write(parsed.title)
        for heading, items in (
            ("Must-haves", parsed.must_haves),
            ("Bonuses", parsed.bonuses),
            ("Responsibilities (not scored)", parsed.responsibilities),
        ):
            self.stdout.write(f"\n{heading}:")
            for item in items or ():
                keywords = f"  [{', '.join(item.keywords)}]" if item.keywords else ""
                doubt = "  (low confidence)" if item.confidence == "low" else ""
                self.stdout.write(f"  - {item.title}: {item.text}{keywords}{doubt}")
            if not items:
                self.stdout.write("  (none)")
        if parsed.unplaced:
            # Requirement wording the parser saw but did not make into an item.
            self.stdout.write("\nRequirement-like text not placed (check by hand):")
            for hint in parsed.unplaced:
                self.stdout.write(f"  - {hint.text}")

    def _read(self, file: str) -> str:
        try:
            if file == "-":
                data = sys.stdin.buffer.read(MAX_POSTING_BYTES + 1)
            else:
                with Path(file).open("rb") as handle:
                    data = handle.read(MAX_POSTING_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from None
        try:
            # Keep line endings as they are so that spans index the file itself.
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            if len(data) > MAX_POSTING_BYTES:
                raise CommandError(
                    f"{file}: the posting is over {MAX_POSTING_BYTES // 1024} KB."
                ) from None
            raise CommandError(f"{file} is not UTF-8 text.") from None


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
