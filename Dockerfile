# verbali: installs exactly as ./setup.sh does (pinned packages, offline model weights).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r requirements.lock
COPY pipeline ./pipeline
ENV VERBALI_MODELS=/app/models VERBALI_OUTPUTS=/app/outputs VERBALI_RECORDINGS=/app/recordings
RUN .venv/bin/pip install --no-cache-dir --no-deps . \
 && .venv/bin/verbali models install

ENV HF_HUB_OFFLINE=1 PYANNOTE_METRICS_ENABLED=0 PATH=/app/.venv/bin:$PATH
VOLUME ["/app/recordings", "/app/outputs"]
ENTRYPOINT ["verbali"]
CMD ["run"]
