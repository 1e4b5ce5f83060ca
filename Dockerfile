# disclosure-stats: the HTTP API on SQLite (a volume at /app/data) or on DATABASE_URL.
#   docker build -t disclosure-stats .
#   docker run -p 8000:8000 -e DISCLOSURE_API_KEYS=change-me -v disclosure-data:/app/data disclosure-stats
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin disclosure

# alembic.ini and migrations/ stay in the working directory: `disclosure serve` finds them there
COPY pyproject.toml README.md alembic.ini ./
COPY migrations ./migrations
COPY app ./app
RUN pip install --no-cache-dir . \
    && mkdir -p /app/data \
    && chown disclosure:disclosure /app/data

USER 10001:10001
ENV DATABASE_URL=sqlite:////app/data/disclosure.db
VOLUME ["/app/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

# serve brings the database to the newest migration first
CMD ["disclosure", "serve", "--host", "0.0.0.0", "--port", "8000"]
