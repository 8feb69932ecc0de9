import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { attachmentRepository } from '../../../src/attachments/attachment-repository.js';
import { cannedResponseRepository } from '../../../src/canned-responses/canned-response-repository.js';
import type { Db } from '../../../src/db/client.js';
import { ticketEvents, type UserRole, type UserRow, webhookDeliveries } from '../../../src/db/schema.js';
import { mailLogRepository } from '../../../src/email/log/mail-log-repository.js';
import { mailboxStateRepository } from '../../../src/email/log/mailbox-state-repository.js';
import { outboxRepository } from '../../../src/email/outbound/outbox-repository.js';
import { groupRepository } from '../../../src/groups/group-repository.js';
import { hashPassword } from '../../../src/lib/password.js';
import { messageRepository } from '../../../src/messages/message-repository.js';
import { slaPolicyRepository } from '../../../src/sla/sla-policy-repository.js';
import { ticketRepository } from '../../../src/tickets/ticket-repository.js';
import { emailTokenRepository } from '../../../src/users/email-token-repository.js';
import { userRepository } from '../../../src/users/user-repository.js';
import { webhookRepository } from '../../../src/webhooks/webhook-repository.js';
import type { Location } from './openapi-document.js';

/**
 * The rows the fuzzer's requests point at, and who sends them. Seeding is deterministic (fixed names, and
 * identity ids from a fresh database), so a seed and a run index name the same request in every run.
 */

export type CallerName = 'anonymous' | 'owner' | 'stranger' | 'operator' | 'admin';
export const CALLERS: CallerName[] = ['anonymous', 'owner', 'stranger', 'operator', 'admin'];
type Member = Exclude<CallerName, 'anonymous'>;

/**
 * Authorization headers: a caller's real token, none, or an odd one. `valid`: the header authenticates the
 * caller; `broken`: it must be refused with 401 where a token is needed; `ambiguous`: either answer is
 * defensible (a lower-case scheme, a doubled space), so only the generic properties apply.
 */
export const AUTH_VARIANTS = {
  token: 'valid',
  absent: 'broken',
  empty: 'broken',
  'scheme only': 'broken',
  garbage: 'broken',
  basic: 'broken',
  'other scheme': 'broken',
  'lower-case scheme': 'ambiguous',
  'two spaces': 'ambiguous',
  'trailing junk': 'broken',
  tampered: 'broken',
  'alg none': 'broken',
  'wrong secret': 'broken',
  expired: 'broken',
  'stale version': 'broken',
  'unknown user': 'broken',
  'sub not a string': 'broken',
  huge: 'broken',
  'latin-1': 'broken',
} as const;
export type AuthVariant = keyof typeof AUTH_VARIANTS;

export const FUZZ_PASSWORD = 'fuzz-password-0123';

export interface FuzzWorld {
  users: Record<Member, UserRow>;
  /** Ids that exist, by kind (user, ticket, attachment, outbox, message), for path and body hints. */
  pools: Record<string, number[]>;
  /** Path parameter sets that belong together (an attachment and its ticket), by path template. */
  pathExamples: Map<string, Record<string, number>[]>;
  /** Cursors a list really issued, by operation id: filled in by the runner before fuzzing. */
  cursors: Map<string, string[]>;
  /** The Authorization header for a caller and variant (undefined: none sent). */
  authorization(caller: CallerName, variant: AuthVariant): string | undefined;
  /** Realistic values for a parameter or body field, by name; undefined: derive from the schema only. */
  hint(operationId: string, location: Location | 'body', name: string): fc.Arbitrary<unknown> | undefined;
  /** After a successful change to a caller's account (role, password, deactivation): put it back. */
  restoreCallers(): Promise<void>;
}

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function forge(secret: string, payload: object, alg = 'HS256'): string {
  const data = `${part({ alg, typ: 'JWT' })}.${part(payload)}`;
  if (alg === 'none') return `${data}.`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** Cursors in the shape the keyset lists issue (base64url of `[created_at ms, id]`), with edge values. */
const forgedKeysetCursor = fc.oneof(
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom(0, -1, 1.5, 8.64e15, 8.64e15 + 1, 253_402_300_799_999, 253_402_300_800_000, 1e21, -0),
        fc.double(),
      ),
      fc.oneof(fc.constantFrom(0, -1, 1, 1.5, 2_147_483_647, 2_147_483_648, 2 ** 53 + 1), fc.integer()),
    )
    .map(([time, id]) => base64url(JSON.stringify([time, id]))),
  fc.jsonValue({ maxDepth: 3 }).map((value) => base64url(JSON.stringify(value))),
);

/** Cursors in the shape the id-paged lists issue (an id as digits), with edge values. */
const forgedIdCursor = fc.constantFrom('0', '1', '2147483647', '2147483648', '9999999999', '0000000001');

/**
 * Outgoing mail is configured (so account mail can be asked for) but never sent: the fuzzed app does not
 * start its background jobs, so the outbox only fills.
 */
export const FUZZ_MAIL_ENV = { SMTP_HOST: '127.0.0.1', SMTP_PORT: '9', SMTP_FROM_EMAIL: 'support@example.com' };

/** Codes as the verification and reset mails carry them, issued to the world's accounts (each works once). */
async function seedEmailTokens(db: Db, owner: UserRow, victim: UserRow): Promise<string[]> {
  const issued: [UserRow, 'verify_email' | 'reset_password', string][] = [
    [owner, 'verify_email', 'fuzz-verify-owner-0123456789abcdef'],
    [victim, 'reset_password', 'fuzz-reset-victim-0123456789abcdef'],
    [victim, 'reset_password', 'fuzz-reset-victim-fedcba9876543210'],
  ];
  for (const [user, purpose, token] of issued) {
    const tokenHash = createHash('sha256').update(token).digest('hex');
    const expiresAt = new Date(Date.now() + 3_600_000);
    await emailTokenRepository.insert(db, { userId: user.id, purpose, email: user.email, tokenHash, expiresAt });
  }
  return issued.map(([, , token]) => token);
}

export async function seedWorld(app: FastifyInstance, db: Db, secret: string): Promise<FuzzWorld> {
  const passwordHash = await hashPassword(FUZZ_PASSWORD);
  const newUser = (username: string, role: UserRole) =>
    userRepository.insert(db, { email: `${username}@example.com`, username, passwordHash, role });

  const users: Record<Member, UserRow> = {
    admin: await newUser('fuzz_admin', 'admin'),
    operator: await newUser('fuzz_operator', 'operator'),
    owner: await newUser('fuzz_owner', 'customer'),
    stranger: await newUser('fuzz_stranger', 'customer'),
  };
  const spareOperator = await newUser('fuzz_operator2', 'operator');
  const victim = await newUser('fuzz_victim', 'customer');
  const inactive = await newUser('fuzz_inactive', 'operator');
  const emailTokens = await seedEmailTokens(db, users.owner, victim);
  await userRepository.update(db, inactive.id, { isActive: false });

  const ticket = (creator: UserRow, subject: string, description = 'Принтер не печатает.') =>
    ticketRepository.insert(db, { subject, description, creatorId: creator.id }, creator.id);
  const open = await ticket(users.owner, 'Printer on fire');
  const assigned = await ticket(users.owner, 'Проблема с принтером', '\u202eRTL text and 😀 emoji');
  const closed = await ticket(users.owner, 'Closed one');
  const strangers = await ticket(users.stranger, "Someone else's");
  const byOperator = await ticket(users.stranger, 'Opened for a customer');
  await ticketRepository.update(db, assigned.id, { status: 'in_progress', operatorId: users.operator.id });
  await ticketRepository.update(db, closed.id, { status: 'closed', operatorId: spareOperator.id });

  const message = (ticketId: number, author: UserRow, text: string, internal = false) =>
    messageRepository.insert(db, { ticketId, authorId: author.id, text, internal, channel: 'api' });
  const question = await message(open.id, users.owner, 'Any news?');
  await message(open.id, users.operator, 'Looking into it.');
  await message(open.id, users.operator, 'Internal: customer is VIP', true);
  const emailed = await messageRepository.insert(db, {
    ticketId: assigned.id,
    authorId: users.owner.id,
    text: 'Reply by mail',
    internal: false,
    channel: 'email',
  });
  await message(strangers.id, users.stranger, 'Not yours');

  const file = (filename: string, contentType: string, content: string) => ({
    filename,
    contentType,
    size: Buffer.byteLength(content),
    content: Buffer.from(content),
  });
  await attachmentRepository.insertAll(db, open.id, null, [file('report.pdf', 'application/pdf', '%PDF-1.4 fake')]);
  await attachmentRepository.insertAll(db, assigned.id, emailed.id, [
    file('отчёт "final"\\.txt', 'text/plain; charset=utf-8', 'привет'),
    file('<img src=x onerror=alert(1)>.html', 'text/html', '<script>alert(1)</script>'),
  ]);
  await attachmentRepository.insertAll(db, strangers.id, null, [file('secret.txt', 'text/plain', 'not yours')]);
  const attachmentRows = [
    ...(await attachmentRepository.listForTicket(db, open.id)),
    ...(await attachmentRepository.listForTicket(db, assigned.id)),
    ...(await attachmentRepository.listForTicket(db, strangers.id)),
  ];

  const outboxRow = (n: number, ticketId: number, messageId: number | null) =>
    outboxRepository.insert(db, {
      kind: messageId === null ? 'acknowledgement' : 'reply',
      ticketId,
      messageId,
      toAddress: 'fuzz_owner@example.com',
      toName: 'Fuzz Owner',
      subject: `[#${ticketId}] Re: your request`,
      bodyText: 'We are on it.',
      headerMessageId: `<fuzz-${n}@example.com>`,
      inReplyTo: null,
      references: null,
    });
  const pending = await outboxRow(1, open.id, question.id);
  const sent = await outboxRow(2, open.id, null);
  const failed = await outboxRow(3, assigned.id, emailed.id);
  await outboxRepository.markSent(db, sent.id);
  await outboxRepository.markFailedAttempt(db, failed.id, '550 mailbox unavailable', null);

  const mail = {
    mailbox: 'support@example.com',
    inReplyTo: null,
    references: null,
    fromAddress: 'fuzz_owner@example.com',
    toAddresses: 'support@example.com',
    subject: 'Printer on fire',
    bodyText: 'Help',
    sizeBytes: 1234,
    reason: null,
    ticketMessageId: null,
    bounceOfId: null,
    uidValidity: 1,
  };
  await mailLogRepository.insert(db, {
    ...mail,
    direction: 'inbound',
    headerMessageId: '<in-1@example.com>',
    outcome: 'ticket_created',
    ticketId: open.id,
    uid: 1,
  });
  await mailLogRepository.insert(db, {
    ...mail,
    direction: 'inbound',
    headerMessageId: '<in-2@example.com>',
    outcome: 'dropped',
    reason: 'auto-reply (Auto-Submitted: auto-replied)',
    ticketId: null,
    uid: 2,
  });
  await mailLogRepository.insert(db, {
    ...mail,
    direction: 'outbound',
    headerMessageId: '<fuzz-2@example.com>',
    outcome: 'sent',
    ticketId: open.id,
    uid: null,
    uidValidity: null,
  });
  await mailboxStateRepository.upsert(db, 'support@example.com', { uidValidity: 1, lastUid: 2, connected: false });
  await mailboxStateRepository.recordError(db, 'support@example.com', 'IMAP: connection refused');

  const group = (name: string, members: number[]) =>
    groupRepository.insert(db, { name, description: '' }).then(async (row) => {
      await groupRepository.replaceMembers(db, row.id, members);
      return row;
    });
  const groupRows = [
    await group('Hardware', [users.operator.id, spareOperator.id]),
    await group('Billing', [users.admin.id]),
    await group('Пустая', []),
  ];
  const canned = (author: UserRow, title: string, text: string, shared: boolean) =>
    cannedResponseRepository.insert(db, { authorId: author.id, title, text, shared });
  const cannedRows = [
    await canned(users.operator, 'Restart', 'Hi {{customer.username}}, restart it. {{ ticket.id }}', false),
    await canned(users.operator, 'Shared hello', 'Hello {{customer.email}} from {{operator.username}}', true),
    await canned(users.admin, 'Admin only', '{{unknown}} {{ticket.subject}}', false),
    await canned(spareOperator, '50% off_', 'back\\slash', true),
  ];

  const hookSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  const webhookRows = [
    await webhookRepository.insert(db, {
      url: 'https://hooks.example.com/a',
      description: '',
      events: ['*'],
      secret: hookSecret,
    }),
    await webhookRepository.insert(db, {
      url: 'http://hooks.example.com/b',
      description: 'Тест',
      events: ['ticket.created'],
      secret: hookSecret,
    }),
    // A third, so the admins' DELETEs of the run rarely leave none to read.
    await webhookRepository.insert(db, {
      url: 'https://hooks.example.com/c',
      description: '',
      events: ['sla.breached'],
      secret: hookSecret,
    }),
  ];
  // Deliveries written as the trigger would have (the webhooks came after the events).
  const someEvents = await db.select({ id: ticketEvents.id, type: ticketEvents.type }).from(ticketEvents).limit(3);
  const deliveryRows = await db
    .insert(webhookDeliveries)
    .values(
      someEvents.map((event) => ({ webhookId: webhookRows[0]?.id ?? 1, eventId: event.id, eventType: event.type })),
    )
    .returning();

  const policy = (name: string, priority: 'urgent' | 'high' | null, withHours: boolean) =>
    slaPolicyRepository.insert(db, {
      name,
      priority,
      firstResponseMinutes: 30,
      resolutionMinutes: 480,
      businessHours: withHours
        ? { timezone: 'Europe/Moscow', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }
        : null,
    });
  const policyRows = [
    await policy('Urgent', 'urgent', true),
    await policy('High', 'high', false),
    await policy('Any', null, false),
  ];

  const allUsers = [...Object.values(users), spareOperator, victim, inactive];
  const staff = [users.operator.id, users.admin.id, spareOperator.id, inactive.id, users.owner.id];
  const ticketIds = [open, assigned, closed, strangers, byOperator].map((t) => t.id);
  const pools: Record<string, number[]> = {
    user: allUsers.map((u) => u.id),
    ticket: ticketIds,
    attachment: attachmentRows.map((a) => a.id),
    outbox: [pending.id, sent.id, failed.id],
    group: groupRows.map((g) => g.id),
    canned_response: cannedRows.map((c) => c.id),
    webhook: webhookRows.map((w) => w.id),
    delivery: deliveryRows.map((d) => d.id),
    policy: policyRows.map((p) => p.id),
  };
  const pathExamples = new Map<string, Record<string, number>[]>([
    [
      '/api/tickets/{ticket_id}/attachments/{attachment_id}',
      attachmentRows.map((a) => ({ ticket_id: a.ticketId, attachment_id: a.id })),
    ],
    [
      '/api/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver',
      deliveryRows.map((d) => ({ webhook_id: d.webhookId, delivery_id: d.id })),
    ],
  ]);
  const logins = allUsers.flatMap((u) => [u.username, u.email, u.username.toUpperCase()]);

  const seeded = new Map(Object.values(users).map((u) => [u.id, u]));
  const tokens = new Map<number, string>();
  const tokenOf = (user: UserRow) => {
    let token = tokens.get(user.id);
    if (!token) {
      token = app.jwt.sign({ sub: String(user.id), ver: user.tokenVersion });
      tokens.set(user.id, token);
    }
    return token;
  };
  const now = () => Math.floor(Date.now() / 1000);
  const cursors = new Map<string, string[]>();

  return {
    users,
    pools,
    pathExamples,
    cursors,
    authorization(caller, variant) {
      const user = caller === 'anonymous' ? undefined : users[caller];
      const claims = {
        sub: String(user?.id ?? users.owner.id),
        ver: user?.tokenVersion ?? 0,
        iat: now(),
        exp: now() + 600,
      };
      const token = user ? tokenOf(user) : forge(`${secret}-unknown`, claims);
      switch (variant) {
        case 'token':
          return user ? `Bearer ${token}` : undefined;
        case 'absent':
          return undefined;
        case 'empty':
          return '';
        case 'scheme only':
          return 'Bearer';
        case 'garbage':
          return 'Bearer garbage.garbage.garbage';
        case 'basic':
          return `Basic ${Buffer.from('fuzz_admin:fuzz').toString('base64')}`;
        case 'other scheme':
          return `Token ${token}`;
        case 'lower-case scheme':
          return `bearer ${token}`;
        case 'two spaces':
          return `Bearer  ${token}`;
        case 'trailing junk':
          return `Bearer ${token}x`;
        case 'tampered': {
          const [header, , signature] = token.split('.');
          return `Bearer ${header}.${part({ ...claims, sub: String(users.admin.id) })}.${signature}`;
        }
        case 'alg none':
          return `Bearer ${forge(secret, claims, 'none')}`;
        case 'wrong secret':
          return `Bearer ${forge(`${secret}x`, claims)}`;
        case 'expired':
          return `Bearer ${forge(secret, { ...claims, iat: now() - 7200, exp: now() - 3600 })}`;
        case 'stale version':
          return `Bearer ${forge(secret, { ...claims, ver: claims.ver + 1 })}`;
        case 'unknown user':
          return `Bearer ${forge(secret, { ...claims, sub: '2147483647' })}`;
        case 'sub not a string':
          return `Bearer ${forge(secret, { ...claims, sub: Number(claims.sub) })}`;
        case 'huge':
          return `Bearer ${'a'.repeat(20_000)}`;
        case 'latin-1':
          return `Bearer ${Buffer.from('tökén', 'latin1').toString('latin1')}`;
      }
    },
    hint(operationId, location, name) {
      if (location === 'path' || location === 'query') {
        const kind = name.replace(/_id$/, '');
        const pool = pools[kind];
        if (pool) return fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...pool) }, fc.constant(2_147_483_647));
        const issued = name === 'cursor' ? cursors.get(operationId) : undefined;
        if (!issued || issued.length === 0) return undefined;
        const numeric = issued.every((c) => /^\d+$/.test(c));
        return fc.oneof(fc.constantFrom(...issued), numeric ? forgedIdCursor : forgedKeysetCursor);
      }
      // A few keys, so that keys are reused: replays, and the same key sent with another request.
      if (location === 'header' && name.toLowerCase() === 'idempotency-key') {
        return fc.constantFrom('fuzz-key-1', 'fuzz-key-2', 'fuzz-key-3');
      }
      // Entity tags as GET sends them (`"<version>"`): some match, some are stale.
      if (location === 'header' && name.toLowerCase() === 'if-match') {
        return fc.constantFrom('"1"', '"2"', '"3"', 'W/"2"', '*', '"1", "2", "3"', '"999"');
      }
      if (location !== 'body') return undefined;
      if (name === 'operator_id' || name === 'creator_id') return fc.constantFrom(...staff, victim.id);
      if (name === 'ticket_id') return fc.constantFrom(...ticketIds);
      // Mostly active staff (a new member set); now and then a customer or an inactive operator (a 422).
      if (name === 'user_ids') {
        const active = [users.operator.id, users.admin.id, spareOperator.id];
        return fc.oneof(
          { weight: 4, arbitrary: fc.uniqueArray(fc.constantFrom(...active), { maxLength: 3 }) },
          fc.uniqueArray(fc.constantFrom(...active, inactive.id, victim.id), { minLength: 1, maxLength: 4 }),
        );
      }
      // Mostly real zones and a working day, so that policies get created; now and then nonsense (a 422).
      if (name === 'business_hours') {
        const real = fc.record({
          timezone: fc.constantFrom('Europe/Moscow', 'UTC', 'America/New_York', 'Asia/Kolkata'),
          days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
          start: fc.constantFrom('00:00', '08:30', '09:00'),
          end: fc.constantFrom('17:00', '18:00', '23:59'),
        });
        return fc.oneof({ weight: 3, arbitrary: real }, fc.constant(null));
      }
      if (name === 'password' && operationId.endsWith('/auth/token')) return fc.constant(FUZZ_PASSWORD);
      if (name === 'current_password') return fc.constant(FUZZ_PASSWORD);
      if (name === 'token') return fc.oneof(fc.constantFrom(...emailTokens), fc.string());
      if (name === 'email' && operationId.endsWith('/auth/password-reset')) {
        return fc.constantFrom(...allUsers.map((user) => user.email));
      }
      if (name === 'username' && operationId.endsWith('/auth/token')) return fc.constantFrom(...logins);
      return undefined;
    },
    async restoreCallers() {
      for (const user of seeded.values()) {
        await userRepository.update(db, user.id, {
          username: user.username,
          passwordHash: user.passwordHash,
          role: user.role,
          isActive: user.isActive,
          tokenVersion: user.tokenVersion,
        });
      }
    },
  };
}
