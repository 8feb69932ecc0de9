import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/**
 * OpenAPI 3 from the routes' TypeBox schemas (nothing written twice), Swagger UI at /api/docs with its
 * assets served from the package (no CDN), and the raw document at /api/openapi.json.
 */
/**
 * Route schemas list defaulted values (`limit`, `sort_by`, `internal`) as required so that handlers see
 * them filled in (Ajv applies the default before the handler runs); to a client they are optional. The
 * document says what a client must send: a copy of the schema without them in `required`.
 */
function defaultsNotRequired(schema: unknown): unknown {
  const object = schema as { properties?: Record<string, { default?: unknown }>; required?: string[] } | undefined;
  if (!object?.properties || !Array.isArray(object.required)) return schema;
  const required = object.required.filter((name) => object.properties?.[name]?.default === undefined);
  return { ...object, required: required.length > 0 ? required : undefined };
}

export const openapi = fp(
  async (app: FastifyInstance, options: { config: Config }) => {
    await app.register(swagger, {
      transform: ({ schema, url }) => ({
        url,
        schema: schema && {
          ...schema,
          querystring: defaultsNotRequired(schema.querystring),
          body: defaultsNotRequired(schema.body),
        },
      }),
      openapi: {
        openapi: '3.0.3',
        info: {
          title: options.config.appName,
          version: '0.1.0',
          license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
          description:
            'Tickets from customers by API and by email, answered by operators. Press Authorize and log in ' +
            'with an email or username and password; the token is sent as `Authorization: Bearer …`.',
        },
        // Paths start with /api: the document is served by the API it describes, from any host.
        servers: [{ url: '/', description: 'This server' }],
        components: {
          securitySchemes: {
            OAuth2PasswordBearer: {
              type: 'oauth2',
              flows: { password: { tokenUrl: '/api/auth/token', scopes: {} } },
            },
          },
        },
        tags: [
          { name: 'auth', description: 'Log in' },
          { name: 'users', description: 'Accounts and roles' },
          { name: 'tickets', description: 'Customer requests' },
          { name: 'messages', description: 'Conversation on a ticket' },
          { name: 'events', description: 'Live ticket events (Server-Sent Events)' },
          { name: 'attachments', description: 'Files that came with emails' },
          { name: 'mail', description: 'The email channel: mailboxes, mail log, outbox' },
          { name: 'health', description: 'Liveness and readiness' },
        ],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { persistAuthorization: true } });
    app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
