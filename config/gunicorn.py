"""gunicorn's settings for the image (Dockerfile), as benchmarks/load.py measures them: two
sync processes per core. A submission is CPU-bound (about 17 ms of CPU, a quarter of it
PostgreSQL's): on an idle 2-core machine 4 sync processes served 114 submissions/s with
p99 240 ms, 2 processes × 8 threads 77/s with p99 440 ms. GUNICORN_THREADS above 1 runs
gthread workers instead (threads wait on a remote database without holding a core, and
keep clients' connections open). Each process or thread holds a database connection
(DATABASE_CONN_MAX_AGE): a node opens WEB_CONCURRENCY × GUNICORN_THREADS of them."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
accesslog = "-"
