import { writeFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';

/**
 * `npm run openapi`: writes the OpenAPI document the server serves at /api/openapi.json to
 * docs/openapi.json (committed; CI fails when it is stale, and lints it with Redocly's recommended rules).
 * The document comes from the routes' schemas alone: the app is built on an empty in-memory database.
 */
const target = process.argv[2] ?? 'docs/openapi.json';
const database = await openDatabase({ kind: 'pglite' });
const config = loadConfig({ ENVIRONMENT: 'test', SECRET_KEY: 'openapi-document-only-0123456789abcdef' });
const app = await buildApp({ config, database });
await app.ready();
writeFileSync(target, `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
await database.close();
