"""The benchmark site's URLconf (benchmarks/_load_site.py): the deployed URLs
plus ``POST /bench/bare/``, a bare view that inserts one row into a table the
benchmark created. It is the floor of any request that writes: the same
server, middleware and database, no authentication, no validation, one INSERT."""

import json

from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler404  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns

BARE_TABLE = "bench_load_bare"


def create_bare_table() -> None:
    """The bare view's table (made by the benchmark, in its own database)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BARE_TABLE} ("
            " id bigserial PRIMARY KEY,"
            " client_key varchar(64) NOT NULL,"
            " payload jsonb NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )


@csrf_exempt
def bare(request):
    """Insert one row holding the request's JSON body; answer its id."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BARE_TABLE} (client_key, payload) VALUES (%s, %s) RETURNING id",
            [body["key"], json.dumps(body)],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/bare/", bare), *site_urlpatterns]
