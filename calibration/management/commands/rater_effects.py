import csv
import json

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from calibration.management.ratings_file import BadValue, rating_value, read_ratings_file
from calibration.stats.raters import rater_effects, report_json
from core.csvfile import as_lines, checked

MAX_ERRORS_SHOWN = 20
COLUMNS = ("unit", "rater", "criterion", "value")


class Command(BaseCommand):
    help = (
        "Reviewer severities (raw and shrunk, with standard errors that allow for halo), "
        "criterion effects, connected groups, diagnostics and flags for a CSV of ratings "
        "with the header unit,rater,criterion,value (one scorecard per unit and rater)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file ('-' reads standard input).")
        parser.add_argument(
            "--method",
            choices=("linear", "rasch"),
            default="linear",
            help="linear: additive model in scale points (default); rasch: many-facet "
            "rating-scale model in logits.",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, file: str, method: str, **options):
        units, raters, criteria, values = self._read(file)
        try:
            report = rater_effects(units, raters, criteria, values, method=method)
        except NotImplementedError as exc:
            raise CommandError(f"--method {method}: {exc}.") from None
        result = report_json(report)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, allow_nan=False))
        else:
            self._print(result)

    def _read(self, file: str):
        return read_ratings_file(file, self._parse)

    def _parse(self, text: str, file: str):
        if not text.strip():
            raise CommandError(f"{file} is empty: expected a header unit,rater,criterion,value.")
        reader = csv.DictReader(as_lines(text))
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise CommandError(
                f"{file}: the header needs unit,rater,criterion,value; missing "
                f"{', '.join(missing)}."
            )
        reader.fieldnames = header
        rows, errors, seen = [], [], {}
        for row in checked(reader):
            line = reader.line_num
            unit, rater, criterion = ((row.get(c) or "").strip() for c in COLUMNS[:3])
            raw = (row.get("value") or "").strip()
            if not unit or not rater or not criterion:
                errors.append(f"line {line}: unit, rater and criterion must not be empty")
                continue
            try:
                value = rating_value(raw)
            except BadValue as exc:
                errors.append(f"line {line}: {exc}")
                continue
            if value is None:
                continue  # no evidence: a missing rating
            key = (unit, rater, criterion)
            if key in seen:
                errors.append(
                    f"line {line}: rater {rater} already rated unit {unit} on {criterion} "
                    f"(line {seen[key]}); one scorecard per unit and rater"
                )
                continue
            seen[key] = line
            rows.append((unit, rater, criterion, value))
        if errors:
            shown = "\n".join(errors[:MAX_ERRORS_SHOWN])
            more = len(errors) - MAX_ERRORS_SHOWN
            raise CommandError(
                f"{file}: {len(errors)} bad line(s):\n{shown}"
                + (f"\n… and {more} more" if more > 0 else "")
            )
        if not rows:
            raise CommandError(f"{file} has no ratings.")
        unit, rater, criterion, value = zip(*rows, strict=True)
        return (
            np.array(unit, dtype=object),
            np.array(rater, dtype=object),
            np.array(criterion, dtype=object),
            np.array(value, dtype=np.float64),
        )

    def _print(self, result: dict) -> None:
        unit = "points" if result["method"] == "linear" else "logits"
        out = self.stdout.write
        out(f"Method: {result['method']} (severity in {unit}, positive = lenient)")
        for number, members in enumerate(result["groups"], 1):
            out(f"Group {number}: {', '.join(str(m) for m in members)}")
        out("")
        head = ("rater", "group", "cards", "ratings", "severity", "SE", "shrunk", "SD", "flags")
        table = [head]
        for row in result["raters"]:
            table.append(
                (
                    str(row["rater"]),
                    str(row["group"] + 1),
                    str(row["n_scorecards"]),
                    str(row["n_ratings"]),
                    _fmt(row["severity"], signed=True),
                    _fmt(row["se"]),
                    _fmt(row["severity_shrunk"], signed=True),
                    _fmt(row["sd_shrunk"]),
                    ", ".join(row["flags"]) or "—",
                )
            )
        self._table(table)
        if result["criteria"]:
            out("")
            table = [("criterion", "effect", "SE", "alpha (interval)")]
            for row in result["criteria"]:
                table.append(
                    (
                        str(row["criterion"]),
                        _fmt(row["effect"], signed=True),
                        _fmt(row["se"]),
                        _fmt(row["alpha_interval"]),
                    )
                )
            self._table(table)
        sep = result["separation"]
        out("")
        out(f"Rater separation index {_fmt(sep['index'])}, reliability {_fmt(sep['reliability'])}")
        for note in result["notes"]:
            out(f"Note: {note}")

    def _table(self, rows) -> None:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            cells = [
                c.ljust(w) if i in (0, len(r) - 1) else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())


def _fmt(x, signed: bool = False) -> str:
    if x is None:
        return "—"
    return f"{x:+.2f}" if signed else f"{x:.2f}"
