# voucherbot: one bot replica (`voucherbot serve`). compose.yaml runs two behind Caddy, on PostgreSQL.
# Not built in CI (no Docker there): docs/operations.md says what was checked and what was not.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY core ./core
COPY adapters ./adapters
COPY bot ./bot
# The production install: no `testpay` extra, so no embedded localstripe (GPL) in the image.
RUN pip install . \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/voucherbot voucherbot \
    && rm -rf /src

USER voucherbot
WORKDIR /var/lib/voucherbot
ENV ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=3978 \
    DATA_DIR=/var/lib/voucherbot
EXPOSE 3978

# 200 when the server answers and its database does; 503 (unhealthy) during a database outage.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)"]

# SIGTERM (docker stop) drains the outbox before exiting; give it the 10 s it needs.
STOPSIGNAL SIGTERM
CMD ["voucherbot", "serve"]
