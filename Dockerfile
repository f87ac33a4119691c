# The control plane: Next app + server.ts, run by tsx (no separate compile step for server.ts).
# Build:  docker build -t devopsmaestro .
# Run:    docker run -p 3000:3000 -v dvm-data:/data devopsmaestro        (SQLite in /data)
#         add -e DATABASE_URL=postgres://… for PostgreSQL (see docker-compose.yml)

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary when it can and compiles otherwise.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN npx next build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    DVM_DATA_DIR=/data
# The migrations (drizzle/) and the sources tsx runs are read from /app at start.
COPY --from=build /app /app
# The code stays root-owned and read-only to the server; it writes only its data and Next's cache.
RUN mkdir -p /data /app/.next/cache && chown node:node /data /app/.next/cache
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tsx directly (not npm start): the image is already built, and signals reach server.ts.
CMD ["node_modules/.bin/tsx", "server.ts"]
