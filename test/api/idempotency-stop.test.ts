import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyService } from '../../src/idempotency/idempotency-service.js';
import { TestContext, type TestUser } from '../helpers/context.js';

/**
 * A key whose answer could not be stored (the database was down: the request answered 503) is settled in
 * the background. A process stopped before that (a deploy right after a database restart, as the soak does
 * it) settles it on the way out: else every retry of that write got 409 for a minute, until the key
 * counted as abandoned.
 */

let ctx: TestContext;
let customer: TestUser;
beforeAll(async () => {
  ctx = await TestContext.create();
  customer = await ctx.newUser('customer');
});
afterAll(async () => ctx.close());

describe('stopping with keys left to settle', () => {
  it('frees the key of a request that failed, so its retry runs at once', async () => {
    const service = new IdempotencyService(ctx.db);
    const scope = { userId: customer.user.id, client: '' };
    const first = await service.begin(scope, 'failed-during-outage', 'hash');
    if (first.kind !== 'first') throw new Error('not a first request');
    // Its answer (a 503) could not be recorded; the retry in the background is due in 250 ms.
    service.finishLater(first.recordId, 503, null, () => undefined);
    await expect(service.begin(scope, 'failed-during-outage', 'hash')).rejects.toMatchObject({ status: 409 });
    await service.close();
    expect(await service.begin(scope, 'failed-during-outage', 'hash')).toMatchObject({ kind: 'first' });
  });

  it('keeps the answer of a request that succeeded, so its retry gets that answer', async () => {
    const service = new IdempotencyService(ctx.db);
    const scope = { userId: customer.user.id, client: '' };
    const first = await service.begin(scope, 'answered-during-outage', 'hash');
    if (first.kind !== 'first') throw new Error('not a first request');
    service.finishLater(first.recordId, 201, '{"data":{"id":7}}', () => undefined);
    await service.close();
    expect(await service.begin(scope, 'answered-during-outage', 'hash')).toEqual({
      kind: 'replay',
      status: 201,
      body: '{"data":{"id":7}}',
    });
  });
});
