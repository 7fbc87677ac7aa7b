# syntax=docker/dockerfile:1
# The catalog API: compiled TypeScript on Node 20.
#   docker build -t catalog-api .      (or: docker compose up --build)
# Stages: `build` (all dependencies; also the development image used by
# docker-compose.dev.yml), `prod-deps` (dependencies only), `runtime`.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# No Prisma telemetry or update checks from build runs.
ENV CHECKPOINT_DISABLE=1
# Dependencies first, so editing source does not invalidate this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# `npm run build` = prisma generate + GraphQL codegen + tsc -p tsconfig.build.json,
# writing dist/src/... (the generated Prisma client included: it is generated
# into src/generated at build time) and dist/scripts/... (rootDir ".").
RUN npm run build

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only: no Prisma CLI, codegen, tsx, vitest, eslint.
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time: package.json ("type": "module"), the migrations
# (dist/scripts/migrate.js), the SDL (schema loader).
COPY --from=build /app/package.json ./
COPY --from=build /app/prisma/migrations ./prisma/migrations
COPY --from=build /app/schema ./schema
USER node
EXPOSE 4000
# Readiness (/readyz): PostgreSQL answers and the server is not draining.
# Docker has one health state and does not restart on it; it gates
# `depends_on: condition: service_healthy` and load balancers, which is what
# readiness is for. An orchestrator with two probes should use /livez for
# liveness (the process answers) and /readyz for readiness.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Migrate (scripts/migrate.ts, what `npm run migrate` runs: the same
# bookkeeping as `prisma migrate deploy`; exits when done), then replace the shell with Node
# so SIGTERM reaches the server's drain handler (it drains for up to
# SHUTDOWN_TIMEOUT_MS, 8 s by default, inside `docker stop`'s 10 s).
CMD ["sh", "-c", "node dist/scripts/migrate.js && exec node --max-semi-space-size=32 dist/src/server/main.js"]
