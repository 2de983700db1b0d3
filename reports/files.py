from django.http import Http404, HttpResponse
from django.utils import timezone

from reports.digest import html_with_inline_images


def report_file_response(report, fmt: str, inline: bool = False) -> HttpResponse:
    """The report as a file: HTML with its charts inlined, or the CSV."""
    day = timezone.localtime(report.period_end).date().isoformat()
    if fmt == "html":
        response = HttpResponse(
            html_with_inline_images(report.html, report.images),
            content_type="text/html; charset=utf-8",
        )
        # The stored HTML is ours, but it is served sandboxed all the same.
        response["Content-Security-Policy"] = "sandbox; img-src data:; style-src 'unsafe-inline'"
    elif fmt == "csv":
        response = HttpResponse(report.csv, content_type="text/csv; charset=utf-8")
    else:
        raise Http404("No such format.")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="digest-{report.posting_id}-{day}.{fmt}"'
    )
    return response
