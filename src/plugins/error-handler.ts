import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable, isRedisUnavailable } from '../db/errors.js';
import { DomainError, errors } from '../lib/errors.js';
import { toValidationDetails } from '../lib/validation.js';
import { redactUrl } from '../runtime/logger.js';

/** Fastify's own client errors that have a better status or shape in our contract. */
const FRAMEWORK_ERRORS: Record<string, { status: number; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, detail: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, detail: 'Unsupported media type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, detail: 'Invalid Content-Length' },
};

/**
 * The one place errors become responses: domain errors carry their status and text; request validation
 * becomes FastAPI's 422 list; an unreachable database is a 503 the client may retry; anything else is a
 * 500 whose details stay in the log (with the request id the client got in `x-request-id`).
 */
export const errorHandler = fp(async (app: FastifyInstance) => {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof DomainError) {
      return reply.code(error.status).headers(error.headers).send({ detail: error.detail });
    }
    if (error.validation) {
      return reply.code(422).send({ detail: toValidationDetails(error.validationContext, error.validation) });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.code(422).send({ detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] });
    }
    if (error instanceof SyntaxError && error.message.includes('JSON')) {
      return reply.code(422).send({ detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] });
    }
    const known = FRAMEWORK_ERRORS[error.code];
    if (known) return reply.code(known.status).send({ detail: known.detail });
    if (isDatabaseUnavailable(error) || isRedisUnavailable(error)) {
      request.log.warn({ err: error }, 'database or redis unavailable');
      const unavailable = errors.databaseUnavailable();
      return reply.code(unavailable.status).headers(unavailable.headers).send({ detail: unavailable.detail });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ detail: error.message });
    request.log.error(
      { err: error, method: request.method, url: redactUrl(request.url), params: request.params },
      'request failed',
    );
    return reply.code(500).send({ detail: 'Internal Server Error' });
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not Found' }));
});
