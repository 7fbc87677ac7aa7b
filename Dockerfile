# syntax=docker/dockerfile:1
# The catalog API for production: compiled TypeScript on Node 20.
#   docker build -t catalog-api .      (or: docker compose up --build)

FROM node:20-bookworm-slim AS build
WORKDIR /app
# No Prisma telemetry or update checks from build or migrate runs.
ENV CHECKPOINT_DISABLE=1
# Dependencies first, so editing source does not invalidate this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# `npm run build` = prisma generate + GraphQL codegen + tsc -p tsconfig.build.json,
# writing dist/src/... and dist/scripts/... (rootDir ".").
RUN npm run build

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    CHECKPOINT_DISABLE=1
# The whole node_modules, dev dependencies included: `prisma migrate deploy`
# at start needs the Prisma CLI (a devDependency) and the driver adapter that
# prisma.config.ts loads. Moving `prisma` to dependencies would allow
# `npm prune --omit=dev` here and a much smaller image.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time: migrations and the CLI config (migrate deploy), the SDL (schema loader).
COPY --from=build /app/package.json /app/prisma.config.ts ./
COPY --from=build /app/prisma ./prisma
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
# Migrate, then replace the shell with Node so SIGTERM reaches the server's
# drain handler (it drains for up to SHUTDOWN_TIMEOUT_MS, 8 s by default,
# inside `docker stop`'s 10 s). migrate deploy is idempotent; it lingers ~10 s after
# finishing (a known quirk of Prisma's WASM schema engine).
CMD ["sh", "-c", "npx prisma migrate deploy && exec node dist/src/server/main.js"]
