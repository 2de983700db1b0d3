"""The WSGI application gunicorn serves in benchmarks/load.py: the site's own
(config.wsgi). With LOAD_PROFILE_DIR set, the parts of the submit path are
timed during submit requests: each part's calls, CPU time (the thread's) and
wall time, written as JSON to LOAD_PROFILE_DIR by each server process after
every 10 submit requests (so nothing depends on how the process ends).

Only the listed functions are wrapped (about 40 wrapped calls per request),
so the timing costs little; a profiler that timed every call with a CPU clock
would cost a system call per Python call and multiply the request's time."""

import functools
import json
import os
import threading
import time
from collections import defaultdict

from config.wsgi import application as site_application

PROFILE_DIR = os.environ.get("LOAD_PROFILE_DIR", "")

# (label, module, attribute path): what is timed, in the order printed.
PARTS = [
    ("token authentication", "core.api.auth", "TokenAuthentication.authenticate"),
    ("input validation", "rest_framework.serializers", "BaseSerializer.is_valid"),
    ("get_object (visible scorecard)", "rest_framework.generics", "GenericAPIView.get_object"),
    ("scorecard_save, all of it", "screening.services", "scorecard_save"),
    ("  lock the scorecard", "screening.services", "_lock_own_scorecard"),
    ("  validate and write the scores", "screening.services", "_apply_scores"),
    ("  score state, before and after", "screening.services", "_score_state"),
    ("  check complete", "screening.services", "_check_complete"),
    ("  audit.record", "core.audit", "record"),
    ("  stored score refresh", "screening.scores", "refresh_application_scores"),
    ("  submission hooks", "screening.hooks", "scorecard_submitted.send"),
    ("  commit (and on_commit callbacks)", "django.db.transaction", "Atomic.__exit__"),
    ("    calibration debounce", "calibration.scheduling", "_Enqueue.__call__"),
    ("answer (serializer .data)", "rest_framework.serializers", "Serializer.data"),
    ("SQL statements (execute)", "django.db.backends.utils", "CursorWrapper.execute"),
]
WHOLE = "whole request"
_LOCK = threading.Lock()


def _timed(function, label: str, totals: dict, active: threading.local):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if not getattr(active, "on", False):
            return function(*args, **kwargs)
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
            with _LOCK:
                entry = totals[label]
                entry[0] += 1
                entry[1] += cpu
                entry[2] += wall

    return wrapper


def _instrument(app, directory: str):
    import importlib

    totals: dict[str, list] = defaultdict(lambda: [0, 0.0, 0.0])
    # Per thread: a gthread worker serves several requests at once, and times only the
    # submit requests' own parts (time.thread_time is the calling thread's CPU).
    active = threading.local()
    for label, module_name, path in PARTS:
        owner = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        current = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        if isinstance(current, property):
            wrapped = property(_timed(current.fget, label, totals, active))
        else:
            wrapped = _timed(current, label, totals, active)
        setattr(owner, name, wrapped)

    def dump() -> None:
        path = os.path.join(directory, f"submit-{os.getpid()}.json")
        with open(path + ".tmp", "w") as out:
            json.dump(totals, out)
        os.replace(path + ".tmp", path)

    timed_app = _timed(app, WHOLE, totals, active)

    def wrapped_app(environ, start_response):
        if not environ.get("PATH_INFO", "").endswith("/submit/"):
            return app(environ, start_response)
        active.on = True
        try:
            return list(timed_app(environ, start_response))
        finally:
            active.on = False
            with _LOCK:
                if totals[WHOLE][0] % 10 == 0:
                    dump()

    return wrapped_app


application = _instrument(site_application, PROFILE_DIR) if PROFILE_DIR else site_application
