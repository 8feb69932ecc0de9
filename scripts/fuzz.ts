import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import type { FuzzRequest } from '../test/api/fuzz/fuzz-request.js';
import { FUZZ_MAIL_ENV, seedWorld } from '../test/api/fuzz/fuzz-world.js';
import { describeFailure, formatReport, fuzzOpenApi } from '../test/api/fuzz/openapi-fuzz.js';

/**
 * The long fuzz run: the app in this process on a fresh embedded database, ≥ 10,000 requests generated from
 * its OpenAPI document (see test/api/fuzz/openapi-fuzz.ts). Prints requests per operation, the status histogram
 * and every failure with the seed and index that regenerate it; exits 1 on any failure.
 *
 *   npm run fuzz -- --runs 10000 --seed 42
 *   npm run fuzz -- --seed 42 --replay 1234      # one request again, with its full description
 *   npm run fuzz -- --seed 42 --show 415         # also print every request answered 415 (or whose
 *                                                # operation contains the text, e.g. --show auth/token)
 */
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    replay: { type: 'string' },
    show: { type: 'string' },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: npm run fuzz -- [--runs N] [--seed N] [--replay INDEX]');
  process.exit(2);
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'sd-fuzz-'));
const started = performance.now();
const config = loadConfig({
  ENVIRONMENT: 'test',
  SECRET_KEY: 'fuzz-secret-key-that-is-long-enough-0123456789',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  ...FUZZ_MAIL_ENV,
});
const database = await openDatabase({ kind: 'pglite' });
await database.migrate();
const app = await buildApp({ config, database });
await app.ready();
const world = await seedWorld(app, database.db, config.auth.secretKey);
console.log(`app ready on a fresh PGlite in ${((performance.now() - started) / 1000).toFixed(1)} s; seed ${seed}`);

function shown(filter: string, request: FuzzRequest, status: number): boolean {
  return /^\d{3}$/.test(filter) ? status === Number(filter) : request.operation.includes(filter);
}

let exitCode = 0;
try {
  const report = await fuzzOpenApi({
    app,
    world,
    seed,
    runs,
    ...(values.replay === undefined ? {} : { path: values.replay }),
    onProgress: (done) => {
      if (done % 1000 === 0) console.log(`  ${done} requests…`);
    },
    onResult: (index, request, response, problems) => {
      const replayed = values.replay !== undefined;
      if (replayed || (values.show !== undefined && shown(values.show, request, response.statusCode))) {
        const failure = { index, seed, request, status: response.statusCode, body: response.body, problems };
        console.log(`${describeFailure(failure)}${problems.length === 0 ? '\n  ✓ every property holds' : ''}`);
      }
    },
  });
  if (values.replay === undefined) console.log(formatReport(report));

  // After everything: the service still answers, and the database is still there.
  const ready = await app.inject({ method: 'GET', url: '/api/health/ready' });
  const me = await app.inject({
    method: 'GET',
    url: '/api/users/me',
    headers: { authorization: world.authorization('owner', 'token') ?? '' },
  });
  const memory = Math.round(process.memoryUsage().rss / 2 ** 20);
  console.log(
    `after the run: /api/health/ready ${ready.statusCode}, /api/users/me ${me.statusCode}, rss ${memory} MiB`,
  );
  if (report.failures.length > 0 || ready.statusCode !== 200 || me.statusCode !== 200) exitCode = 1;
} catch (error) {
  console.error('the fuzzer itself failed:', error);
  exitCode = 1;
} finally {
  await app.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
