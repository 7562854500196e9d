# Emporia: `emporia serve` (or `worker`, `migrate` …) on Node 20. No secret is baked in: pass
# JWT_SECRET, PAYMENT_WEBHOOK_SECRET, DATABASE_URL and REDIS_URL at run time (compose.yaml).

# Build stage: every dependency, then the TypeScript build, the dashboard and the CLI bundle.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/adapters/package.json packages/adapters/
COPY packages/http/package.json packages/http/
COPY packages/cli/package.json packages/cli/
COPY packages/dashboard/package.json packages/dashboard/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime stage: production dependencies only, the built packages, a non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production EMPORIA_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/adapters/package.json packages/adapters/
COPY packages/http/package.json packages/http/
COPY packages/cli/package.json packages/cli/
COPY packages/dashboard/package.json packages/dashboard/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/adapters/dist packages/adapters/dist
COPY --from=build /app/packages/http/dist packages/http/dist
COPY --from=build /app/packages/cli/dist packages/cli/dist
COPY --from=build /app/packages/cli/bin packages/cli/bin
COPY --from=build /app/packages/dashboard/dist packages/dashboard/dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
VOLUME ["/app/data"]
# The probe runs inside the container (127.0.0.1) and names the first of ALLOWED_HOSTS, which the host check accepts.
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "const h=(process.env.ALLOWED_HOSTS||'localhost').split(',')[0].trim().replace(/^[.]/,'');require('http').get({host:'127.0.0.1',port:process.env.PORT||3000,path:'/ready',headers:{host:h},timeout:2500},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
ENTRYPOINT ["node", "packages/cli/bin/emporia.js"]
CMD ["serve"]
