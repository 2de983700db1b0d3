FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 1000 --home /app rubrics \
 && mkdir -p /app/var && chown -R rubrics /app/var
USER rubrics

EXPOSE 8000
# Processes and threads: config/gunicorn.py (WEB_CONCURRENCY, GUNICORN_THREADS).
CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]
