import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
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
    // The SPA fallback answers from the not-found path (an onRequest hook sees `request.is404`) rather than a
    // `GET /*` route: a catch-all route would also catch the /api paths the router refuses (a 200-character
    // id is a 414 there) and change their answers.
    app.addHook('onRequest', async (request, reply) => {
      if (!request.is404 || request.method !== 'GET') return;
      const pathname = request.url.split('?', 1)[0] ?? '/';
      if (pathname === '/api' || pathname.startsWith('/api/')) return;
      if (!(request.headers.accept ?? '').includes('text/html')) return;
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  },
  { name: 'web-console' },
);
