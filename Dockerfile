# syntax=docker/dockerfile:1
# The Service Desk's production image: the compiled JavaScript on Node 24 LTS, run by `node` as a non-root
# user under tini (PID 1 reaps and passes SIGTERM on, so `docker stop` drains in-flight requests).
# Not built here (the project's CI has no Docker engine); its commands are the README's production block,
# which test/system/production.test.ts runs. See README, "Running in production".

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY web/package.json ./web/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
# dist/ (the API) and web/dist (the console); the console's packages are build-time only, pruned here.
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir /data && chown node:node /data
ENV NODE_ENV=production ENVIRONMENT=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY drizzle ./drizzle
USER node
EXPOSE 8000
ENTRYPOINT ["/usr/bin/tini", "--"]
# The worker: `docker run … service-desk node dist/worker.js`; migrations: `… node dist/db/migrate-cli.js`.
CMD ["node", "dist/server.js"]
