import json

from django.core.management.base import BaseCommand, CommandError

from rubrics.anchors import level_labels
from rubrics.drafting import MUST_HAVE, draft_rubric
from rubrics.management.posting_files import read_posting_file
from rubrics.parsing import PostingParseError, parse_posting


class Command(BaseCommand):
    help = (
        "Draft a rubric from a job posting file: typed criteria with weights and anchors, "
        "screening questions and warnings. Nothing is written to the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A posting as UTF-8 text ('-' reads standard input).")
        parser.add_argument(
            "--scale", type=int, choices=(4, 5), default=4, help="Rating scale: 1–4 or 1–5."
        )
        parser.add_argument("--json", action="store_true", help="Print the draft as JSON.")

    def handle(self, *args, file: str, scale: int, **options):
        text = read_posting_file(file)
        if not text.strip():
            raise CommandError(f"{file} is empty: there is no posting to draft a rubric from.")
        try:
            draft = draft_rubric(parse_posting(text), scale_max=scale)
        except PostingParseError as exc:
            raise CommandError(f"{file}: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(draft.to_dict(), ensure_ascii=False, indent=2))
            return
        self._write_text(draft)

    def _write_text(self, draft) -> None:
        labels = level_labels(draft.scale_max)
        self.stdout.write(draft.title)
        self.stdout.write("\nCriteria:")
        for number, criterion in enumerate(draft.criteria, start=1):
            kind = "must-have" if criterion.kind == MUST_HAVE else "bonus"
            knockout = (
                f", knockout below {criterion.knockout_level}"
                if criterion.knockout_level is not None
                else ""
            )
            self.stdout.write(
                f"  {number}. {criterion.title}  [{kind}, {criterion.type}, "
                f"{criterion.weight}%{knockout}]"
            )
            if criterion.keywords:
                self.stdout.write(f"     keywords: {', '.join(criterion.keywords)}")
            for level, (label, anchor) in enumerate(
                zip(labels, criterion.anchors, strict=True), start=1
            ):
                self.stdout.write(f"     {level} {label}: {anchor}")
        if not draft.criteria:
            self.stdout.write("  (none)")
        self.stdout.write("\nScreening questions (yes/no, not scored):")
        for question in draft.screening_questions:
            self.stdout.write(f"  - {question.text}")
        if not draft.screening_questions:
            self.stdout.write("  (none)")
        self.stdout.write("\nWarnings:")
        for warning in draft.warnings:
            where = f" (criterion {warning.criterion + 1})" if warning.criterion is not None else ""
            self.stdout.write(f"  - [{warning.code}]{where} {warning.message}")
        if not draft.warnings:
            self.stdout.write("  (none)")
