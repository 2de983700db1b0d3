"""The WSGI application gunicorn serves in benchmarks/load.py: the site's own
(config.wsgi), wrapped, when LOAD_PROFILE_DIR is set, in a cProfile of every
submit request; each server process writes its profile there (after every 10
profiled requests, so that nothing depends on how the process ends). The
profile is of wall time (a CPU-time clock costs a system call per function
call, which multiplies the request's time by five): on a busy machine, time
spent waiting for a core is charged to whatever function was running."""

import cProfile
import os

from config.wsgi import application as site_application

PROFILE_DIR = os.environ.get("LOAD_PROFILE_DIR", "")


def _profiled(app, directory: str):
    profiler = cProfile.Profile()
    count = 0

    def wrapped(environ, start_response):
        nonlocal count
        if not environ.get("PATH_INFO", "").endswith("/submit/"):
            return app(environ, start_response)
        profiler.enable()
        try:
            return list(app(environ, start_response))
        finally:
            profiler.disable()
            count += 1
            if count % 10 == 0:
                profiler.dump_stats(os.path.join(directory, f"submit-{os.getpid()}.prof"))

    return wrapped


application = _profiled(site_application, PROFILE_DIR) if PROFILE_DIR else site_application
