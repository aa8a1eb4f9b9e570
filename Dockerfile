# The coordinator's image: the web app (gunicorn) by default; `coordinator jobs run` for the scheduler.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY pyproject.toml setup.py README.md babel.cfg ./
COPY coordinator ./coordinator
COPY jobs ./jobs
COPY templates ./templates
# editable, so the package finds templates/ beside it at /app in the runtime stage too
RUN pip install -e . \
 && python -m coordinator.translations.compile

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/coordinator --create-home coordinator
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    COORDINATOR_INSTANCE_PATH=/var/lib/coordinator
USER coordinator
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
# a worker is replaced after 2,000 requests (jittered, so the three are not replaced at once): a bound on what CPython
# keeps of the memory a large page grew it to; no --preload (docs/decisions.md 80)
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--max-requests", "2000", "--max-requests-jitter", "200", \
     "--access-logfile", "-", "coordinator.wsgi:app"]
