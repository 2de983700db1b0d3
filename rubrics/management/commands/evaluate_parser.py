import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rubrics.parsing import parse_posting
from rubrics.parsing.evaluation import evaluate_directory, posting_files


class Command(BaseCommand):
    help = (
        "Score the posting parser on every NN_slug.txt with its NN_slug.json ground truth in DIR: "
        "one line per posting (tp, fp, fn), then total precision, recall and F1."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="A folder of NN_slug.txt + NN_slug.json pairs.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--verbose-errors",
            action="store_true",
            help="Also list each false positive (+) and miss (-) under its posting.",
        )

    def handle(self, *args, directory: str, **options):
        folder = Path(directory)
        if not folder.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        if not posting_files(folder):
            raise CommandError(f"{directory} holds no NN_slug.txt with its NN_slug.json.")
        result = evaluate_directory(folder, parse_posting)
        if options["json"]:
            data = {
                "postings": [
                    {"name": s.name, "tp": s.tp, "fp": s.fp, "fn": s.fn, "error": s.error}
                    for s in result.postings
                ],
                "precision": round(result.precision, 4),
                "recall": round(result.recall, 4),
                "f1": round(result.f1, 4),
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        width = max(len(score.name) for score in result.postings)
        for score in result.postings:
            line = f"{score.name:<{width}}  tp {score.tp:3d}  fp {score.fp:3d}  fn {score.fn:3d}"
            if score.error:
                line += f"  error: {score.error}"
            self.stdout.write(line)
            if options["verbose_errors"]:
                for bucket, text in score.false_positives:
                    self.stdout.write(f"    + {bucket}: {text}")
                for bucket, text in score.misses:
                    self.stdout.write(f"    - {bucket}: {text}")
        self.stdout.write(
            f"total  tp {result.tp}  fp {result.fp}  fn {result.fn}  "
            f"P {result.precision:.3f}  R {result.recall:.3f}  F1 {result.f1:.3f}"
        )
