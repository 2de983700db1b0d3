import csv
import json

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from calibration.management.ratings_file import BadValue, rating_value, read_ratings_file
from calibration.stats import agreement_report
from core.csvfile import as_lines, checked

MAX_ERRORS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Agreement statistics for a CSV of ratings with the header unit,rater,value and an "
        "optional criterion column: Krippendorff's alpha, ICC, Fleiss' and Cohen's kappa."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file ('-' reads standard input).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, file: str, **options):
        units, raters, values, criteria = self._read(file)
        report = agreement_report(units, raters, values, criteria)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, allow_nan=False))
        else:
            self._print(report)

    def _read(self, file: str):
        return read_ratings_file(file, self._parse)

    def _parse(self, text: str, file: str):
        reader = csv.DictReader(as_lines(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in ("unit", "rater", "value") if c not in header]
        if missing:
            raise CommandError(
                f"{file}: the header needs unit,rater,value (optional criterion); "
                f"missing {', '.join(missing)}."
            )
        reader.fieldnames = header
        has_criterion = "criterion" in header
        units, raters, values, criteria, errors = [], [], [], [], []
        for row in checked(reader):
            line = reader.line_num
            unit, rater = (row.get("unit") or "").strip(), (row.get("rater") or "").strip()
            raw = (row.get("value") or "").strip()
            if not unit or not rater:
                errors.append(f"line {line}: unit and rater must not be empty")
                continue
            try:
                value = rating_value(raw)
            except BadValue as exc:
                errors.append(f"line {line}: {exc}")
                continue
            if value is None:
                continue  # a missing rating
            units.append(unit)
            raters.append(rater)
            values.append(value)
            criteria.append((row.get("criterion") or "").strip())
        if errors:
            shown = "\n".join(errors[:MAX_ERRORS_SHOWN])
            more = len(errors) - MAX_ERRORS_SHOWN
            raise CommandError(
                f"{file}: {len(errors)} bad line(s):\n{shown}"
                + (f"\n… and {more} more" if more > 0 else "")
            )
        if not values:
            raise CommandError(f"{file} has no ratings.")
        return (
            np.array(units, dtype=object),
            np.array(raters, dtype=object),
            np.array(values, dtype=np.float64),
            np.array(criteria, dtype=object) if has_criterion else None,
        )

    def _print(self, report: dict, indent: str = "") -> None:
        for key, value in report.items():
            if isinstance(value, dict):
                self.stdout.write(f"{indent}{key}:")
                self._print(value, indent + "  ")
            else:
                self.stdout.write(f"{indent}{key}: {'—' if value is None else value}")
