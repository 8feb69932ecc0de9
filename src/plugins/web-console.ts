import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Where `npm run web:build` writes the console (web/dist at the repository's root). */
export const WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist');

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The web console (web/, built into web/dist) served by the API's own server: hashed assets with a year's
 * immutable cache, index.html always revalidated (`no-cache`) so a new build is picked up on the next load,
 * and every other GET outside `/api` that asks for HTML answered with index.html (the console routes on the
 * client). Anything else unknown stays the API's JSON 404. Nothing is served when the console is not built.
 */
export const webConsole = fp(
  async (app: FastifyInstance, options: { root?: string } = {}) => {
    const root = options.root ?? WEB_DIST;
    if (!existsSync(path.join(root, 'index.html'))) {
      app.log.debug({ root }, 'web console not built: not served');
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (response, file) => {
        const assets = `${path.sep}assets${path.sep}`;
        response.header('cache-control', file.includes(assets) ? IMMUTABLE : 'no-cache');
      },
    });
    const serveApp = async (request: FastifyRequest, reply: FastifyReply) => {
      const pathname = request.url.split('?', 1)[0] ?? '/';
      if (pathname === '/api' || pathname.startsWith('/api/')) return reply.callNotFound();
      if (!(request.headers.accept ?? '').includes('text/html')) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    };
    app.get('/', { schema: { hide: true } }, serveApp);
    app.get('/*', { schema: { hide: true } }, serveApp);
  },
  { name: 'web-console' },
);
