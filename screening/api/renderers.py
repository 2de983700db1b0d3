from rest_framework.renderers import BaseRenderer

from screening.exports import csv_text


class CSVRenderer(BaseRenderer):
    """Renders a list of flat dicts as CSV, the cells written as
    `screening.exports` writes them (the ranking's `?format=csv` answers with
    the export itself; this renders what else asks for CSV, such as an error)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else data.get("results", [data])
        header = _header(data, rows)
        if not header:
            return b""
        return csv_text(header, rows).encode(self.charset)


def _header(data, rows) -> list[str]:
    """The serializer's field names, so an empty result still has a header."""
    serializer = getattr(data, "serializer", None)
    child = getattr(serializer, "child", None)
    if child is not None:
        return list(child.fields)
    return list(rows[0]) if rows else []
