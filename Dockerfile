# syntax=docker/dockerfile:1
# Sunshare: one image for every Node component (ingest, api, broker, sim,
# gateway, payout); the compose service's command picks the component.
# Node runs the TypeScript sources itself (type stripping), so there is no
# compile step and no transpiler: the build stage only installs production modules
# (better-sqlite3 and serialport are native and need a toolchain if no
# prebuilt binary matches); the runtime stage copies them without the toolchain.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" \
 && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    SUNSHARE_CONFIG_TEMPLATES=/etc/sunshare \
    SUNSHARE_CONFIG_DIR=/tmp/sunshare
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json tsconfig.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root common ./common
COPY --chown=root:root firmware-sim ./firmware-sim
COPY --chown=root:root gateway ./gateway
COPY --chown=root:root broker ./broker
COPY --chown=root:root ingest ./ingest
COPY --chown=root:root payout ./payout
COPY --chown=root:root api ./api
COPY --chown=root:root demo ./demo
COPY --chown=root:root deploy/sunshare ./deploy/sunshare
# Code is root-owned and read-only to the service user; only data dirs are writable.
RUN mkdir -p /var/lib/sunshare/spool /app/data \
 && chown -R node:node /var/lib/sunshare /app/data
USER node
VOLUME ["/var/lib/sunshare"]
ENTRYPOINT ["node", "deploy/sunshare/entrypoint.ts"]
CMD ["--help"]
