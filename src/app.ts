import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { Config, TrustProxy } from './config.js';
import type { Database } from './db/client.js';
import { buildSerializerCompiler } from './lib/serialization.js';
import { buildValidatorCompiler } from './lib/validation.js';
import { auth } from './plugins/auth.js';
import { errorHandler } from './plugins/error-handler.js';
import { idempotency } from './plugins/idempotency.js';
import { limits } from './plugins/limits.js';
import { requestLog } from './plugins/request-log.js';
import { security } from './plugins/security.js';
import { services } from './plugins/services.js';
import { openapi } from './plugins/swagger.js';
import { webConsole } from './plugins/web-console.js';
import attachmentRoutes from './routes/attachments/index.js';
import authRoutes from './routes/auth/index.js';
import cannedResponseRoutes from './routes/canned-responses/index.js';
import eventRoutes from './routes/events/index.js';
import groupRoutes from './routes/groups/index.js';
import healthRoutes from './routes/health/index.js';
import mailRoutes from './routes/mail/index.js';
import messageRoutes from './routes/messages/index.js';
import slaPolicyRoutes from './routes/sla-policies/index.js';
import ticketRoutes from './routes/tickets/index.js';
import userRoutes from './routes/users/index.js';
import webhookRoutes from './routes/webhooks/index.js';
import { serializeRequest } from './runtime/logger.js';

export interface AppOptions {
  config: Config;
  database: Database;
  logger?: FastifyServerOptions['logger'];
}

/** A client's request id is kept when it is a plain token; anything else is replaced, not logged raw. */
function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[\w.:-]{1,64}$/.test(header) ? header : randomUUID();
}

/**
 * Whatever logger the caller configured, with requests logged through `serializeRequest`: a token sent in the
 * query (the live stream's `access_token`) never reaches a log line.
 */
function redactingLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const options = logger === true ? {} : logger;
  return { ...options, serializers: { ...options.serializers, req: serializeRequest } };
}

/** Errors raised by the router, before any route or our error handler: the same `detail` shape. */
function routerError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply.code(tooLong ? 414 : 400).send({ detail: tooLong ? 'URL parameter too long' : 'Malformed URL' });
}

/**
 * A request Node's HTTP parser refuses before Fastify sees it (bytes that are not a request line, a raw
 * non-ASCII URL, headers over the limit, one that arrived too slowly) is answered in the API's error shape,
 * `{"detail": …}`, not Fastify's own `{"error", "message", "statusCode"}`; the codes are Fastify's (408, 431,
 * else 400). The connection is closed: what follows on it cannot be trusted to be a request.
 */
function clientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request timeout']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request headers too large']
        : [400, 'Malformed HTTP request'];
  const body = JSON.stringify({ detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Fastify takes addresses and `true` as they are, but a hop count (which it no longer honours: the peer
 * at the last hop is trusted whoever it is) becomes the rule Express and proxy-addr give it: believe the
 * last `hops` entries. Safe only when the API can be reached through the proxies alone (see TRUST_PROXY).
 */
function trustProxyOption(value: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value;
  return (_address, hop) => hop < value;
}

/**
 * The HTTP application, without a listener: tests inject requests into it, `server.ts` listens. Plugins go
 * in a fixed order: framework behaviour, infrastructure, our services, then the routes under /api.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  const app = Fastify({
    logger: redactingLogger(options.logger),
    genReqId: (request) => requestId(request.headers['x-request-id']),
    // One line per request, written by plugins/request-log.ts when the response is sent.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: trustProxyOption(config.http.trustProxy),
    // A client that sends its request slowly (a byte now and then) must not hold a connection for ever:
    // 408 and closed when the request has not fully arrived in time. Node checks connections against these
    // every `connectionsCheckingInterval` (30 s by default), so that is shortened to keep the limits close.
    requestTimeout: config.http.requestTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.floor(config.http.headersTimeoutMs / 2)),
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: routerError,
    clientErrorHandler: clientError,
    // A request that arrives on a kept-alive connection while the server drains (SIGTERM) is served, with
    // `Connection: close` so the client's next one goes elsewhere. Fastify's default answers it 503 in its
    // own shape, {"error", "message", "statusCode"}, without Retry-After: the soak's clients saw ten of
    // them in a restart under load.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Only JSON (and forms on the login route): anything else is a 415, not a body for the schema to guess at.
  app.removeContentTypeParser('text/plain');

  app.setValidatorCompiler(buildValidatorCompiler());
  app.setSerializerCompiler(buildSerializerCompiler());
  // A callback hook, not an async one: no promise and no extra turn of the microtask queue per response.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });

  await app.register(requestLog);
  await app.register(errorHandler);
  await app.register(security, { config });
  await app.register(limits, { config });
  await app.register(openapi, { config });
  await app.register(services, { config, database });
  await app.register(auth, { config });
  await app.register(idempotency);

  await app.register(
    async (api) => {
      await api.register(healthRoutes);
      await api.register(authRoutes);
      await api.register(userRoutes);
      await api.register(ticketRoutes);
      await api.register(messageRoutes);
      await api.register(attachmentRoutes);
      await api.register(mailRoutes);
      await api.register(groupRoutes);
      await api.register(slaPolicyRoutes);
      await api.register(cannedResponseRoutes);
      await api.register(eventRoutes);
      await api.register(webhookRoutes);
    },
    { prefix: '/api' },
  );
  // The web console (web/dist) at every path outside /api, when it is built.
  await app.register(webConsole);
  return app;
}
