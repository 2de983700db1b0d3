import json

from django.core.management.base import BaseCommand, CommandError

from rubrics.management.posting_files import read_posting_file
from rubrics.parsing import PostingParseError, parse_posting


class Command(BaseCommand):
    help = "Parse a job posting file and print its must-haves, bonuses and responsibilities."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A posting as UTF-8 text ('-' reads standard input).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, file: str, **options):
        text = read_posting_file(file)
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


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
