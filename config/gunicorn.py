"""gunicorn's settings for the image (Dockerfile): one process per core, each with threads
(gthread), as benchmarks/load.py measures it — a process runs Python on one core at a
time, and its threads keep the core busy while one of them waits on PostgreSQL, and keep
clients' connections open between requests. Each thread holds a database connection
(DATABASE_CONN_MAX_AGE): a node opens WEB_CONCURRENCY × GUNICORN_THREADS of them."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
accesslog = "-"
