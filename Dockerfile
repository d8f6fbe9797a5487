# syntax=docker/dockerfile:1
# One image, every entry point: `chatcluster gateway|persister|scorer|aggregator`,
# `chatcluster store migrate`, `chatcluster-operator`. The operator starts the workloads with this
# same image and picks the command. The sentiment model is trained at build time, so scorer pods
# start without training.
#
#   docker build -t ghcr.io/chatcluster/chatcluster:0.1.0 .
#   docker build --target dev ...     (the Tiltfile's live-update variant, see below)

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: the project's wheel -------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY services/ services/
COPY operator/ operator/
# The wheel carries the Grafana dashboards inside chatcluster_operator (force-include in pyproject.toml).
COPY observability/dashboards/ observability/dashboards/
RUN python -m pip wheel --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /dist .

# --- venv: dependencies, the wheel, the trained model ---------------------------------------
FROM ${PYTHON_IMAGE} AS venv
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
# Dependencies first, read from pyproject.toml: their layer survives source changes.
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt
COPY --from=build /dist/ /tmp/dist/
RUN /opt/venv/bin/pip install --no-deps /tmp/dist/*.whl
# `chatcluster model train` fetches the vaderSentiment sdist (the VADER corpora) with pip,
# trains (deterministic, 10-20 s) and writes <data-dir>/models/sentiment/<version>/ and `current`.
# Serving reads the lexicons from the installed package, so the sdist cache is dropped.
RUN /opt/venv/bin/chatcluster model train --data-dir /var/lib/chatcluster/model \
    && rm -rf /var/lib/chatcluster/model/cache

# --- runtime ----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 chatcluster \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/chatcluster --no-create-home \
        --shell /usr/sbin/nologin chatcluster \
    && install -d -o 10001 -g 10001 /var/lib/chatcluster /var/lib/chatcluster/data
COPY --from=venv /opt/venv /opt/venv
# The model is read-only at run time: root-owned, readable by everyone.
COPY --from=venv /var/lib/chatcluster/model /var/lib/chatcluster/model
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/var/lib/chatcluster \
    CHATCLUSTER_DATA_DIR=/var/lib/chatcluster/data \
    CHATCLUSTER_MODEL_HOME=/var/lib/chatcluster/model \
    CHATCLUSTER_GATEWAY_HOST=0.0.0.0
WORKDIR /var/lib/chatcluster
USER 10001:10001
# 8000: the gateway (REST, WebSocket, /healthz); 9464: Prometheus metrics of every service.
EXPOSE 8000 9464
CMD ["chatcluster", "--help"]

# --- dev: the Tiltfile's operator image -------------------------------------------------------
# Live update copies changed sources into the installed packages as the container's user, so
# that user owns them here (and only here: the runtime image keeps them root-owned).
FROM runtime AS dev
USER root
RUN chown -R 10001:10001 /opt/venv/lib/python3.*/site-packages/chatcluster \
        /opt/venv/lib/python3.*/site-packages/chatcluster_operator
USER 10001:10001

# The default target stays the production image.
FROM runtime
