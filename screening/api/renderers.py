import csv
import io

from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    """Renders a list of flat dicts (a ranking) as CSV; `?format=csv`."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else data.get("results", [data])
        buffer = io.StringIO()
        header = _header(data, rows)
        if header:
            writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(v) for k, v in row.items()})
        return buffer.getvalue().encode(self.charset)


def _header(data, rows) -> list[str]:
    """The serializer's field names, so an empty result still has a header."""
    serializer = getattr(data, "serializer", None)
    child = getattr(serializer, "child", None)
    if child is not None:
        return list(child.fields)
    return list(rows[0]) if rows else []


def _cell(value):
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if value is None:
        return ""
    text = str(value)
    # Spreadsheet apps run cells that start like a formula.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
