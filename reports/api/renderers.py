from rest_framework.renderers import BaseRenderer

from screening.exports import csv_text


class CSVRenderer(BaseRenderer):
    """Lets a client ask for CSV (`?format=csv`, `Accept: text/csv`): the
    stored file is sent as it is; anything else (an error) as flat CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data]
        if not rows:
            return b""
        return csv_text(list(rows[0]), rows).encode(self.charset)
