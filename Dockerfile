# syntax=docker/dockerfile:1
# ecs-chatops: build with `docker build -t ecs-chatops .`; run with
#   docker run --env-file .env -p 3000:3000 -v ecs-chatops-data:/app/data ecs-chatops
# Both stages use the same Node 22 LTS (Debian bookworm, glibc) image, so the native better-sqlite3
# module compiled or downloaded in the build stage runs unchanged in the runtime stage.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: install everything, compile TypeScript, then drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Toolchain for better-sqlite3 when no prebuilt binary matches the platform (e.g. a new Node ABI).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Dependencies first, so source edits do not invalidate this layer. npm in the image may ignore the
# `allowScripts` field of package.json; install scripts (better-sqlite3's) run as npm's default.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime: production dependencies and compiled JavaScript only, as a non-root user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_URL=/app/data/ecs-chatops.db
WORKDIR /app
# Code and dependencies stay owned by root (read-only for the bot); only /app/data is writable.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
# The official image's unprivileged user (uid 1000).
USER node
# SQLite lives here when DATABASE_URL is not a postgres:// URL; mount a volume to keep it.
VOLUME ["/app/data"]
EXPOSE 3000
# Liveness: GET /healthz with Node's own fetch (no curl in the slim image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `docker exec <container> node dist/doctor-cli.js` runs the setup checks inside the container.
# SIGTERM reaches node directly (exec form), which shuts the bot down gracefully.
CMD ["node", "dist/main.js"]
