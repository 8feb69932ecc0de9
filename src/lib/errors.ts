import type { ValidationDetail } from './validation.js';

/**
 * Every error a use case can end in, with its HTTP status and the `detail` text clients see. Services throw
 * these; one error handler turns them into `{"detail": …}`. Texts quoted from the seed are its contract and
 * are kept byte for byte (including its spelling).
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly detail: string | ValidationDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : 'Validation failed');
    this.name = 'DomainError';
  }
}

const bearer = { 'WWW-Authenticate': 'Bearer' };

export const errors = {
  notAuthenticated: () => new DomainError('not_authenticated', 401, 'Not authenticated', bearer),
  invalidToken: () => new DomainError('invalid_token', 401, 'Could not validate credentials', bearer),
  badCredentials: () => new DomainError('bad_credentials', 401, 'Incorrect username or password', bearer),
  forbidden: (detail = 'Not enough permissions') => new DomainError('forbidden', 403, detail),
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    new DomainError('too_many_requests', 429, detail, { 'Retry-After': String(Math.max(1, retryAfterSeconds)) }),
  tooManyLogins: (retryAfterSeconds: number) =>
    new DomainError('too_many_logins', 429, 'Too many login attempts, try again later', {
      'Retry-After': String(retryAfterSeconds),
    }),
  tooManySignUps: (retryAfterSeconds: number) =>
    new DomainError('too_many_sign_ups', 429, 'Too many sign-ups from this address, try again later', {
      'Retry-After': String(retryAfterSeconds),
    }),

  // Seed: POST /api/users → 400.
  emailTaken: () => new DomainError('email_taken', 400, 'Почта с таким именем ужё зарегистрирована'),
  usernameTaken: () => new DomainError('username_taken', 400, 'Пользователь с таким именем уже зарегистрирован'),
  // Seed: GET /api/users/{id} → 404.
  userNotFound: () => new DomainError('user_not_found', 404, 'User not found'),
  // A password the schema accepts (length) but that is on the list of common ones: still FastAPI's 422 at
  // the field, as if the schema had said it (lib/password-policy.ts).
  commonPassword: () =>
    new DomainError('common_password', 422, [
      {
        loc: ['body', 'password'],
        msg: 'This password is on a list of commonly used passwords; choose another',
        type: 'password_too_common',
      },
    ]),
  // Usernames mixing scripts (a Cyrillic а among Latin letters): the schema's pattern cannot say it.
  usernameMixedScripts: () =>
    new DomainError('username_mixed_scripts', 422, [
      {
        loc: ['body', 'username'],
        msg: 'Username should use letters of one script (or ASCII only)',
        type: 'username_mixed_scripts',
      },
    ]),
  wrongCurrentPassword: () => new DomainError('wrong_current_password', 400, 'Current password is incorrect'),
  lastAdmin: () => new DomainError('last_admin', 400, 'The last active admin cannot be demoted or deactivated'),

  groupNotFound: () => new DomainError('group_not_found', 404, 'Group not found'),
  groupNameTaken: () => new DomainError('group_name_taken', 409, 'A group with this name already exists'),
  tooManyGroups: (max: number) =>
    new DomainError('too_many_groups', 409, `There are ${max} groups already, the most this server keeps`),
  // Members a schema cannot judge (whether each id is an active operator or admin): FastAPI's 422, one
  // entry per refused id at its index in the body, as if the schema had said it.
  groupMembersNotStaff: (refused: { index: number; id: number }[]) =>
    new DomainError(
      'group_members_not_staff',
      422,
      refused.map(({ index, id }) => ({
        loc: ['body', 'user_ids', index],
        msg: `User ${id} is not an operator or admin`,
        type: 'value_error',
      })),
    ),
  cannedResponseNotFound: () => new DomainError('canned_response_not_found', 404, 'Canned response not found'),

  // Seed: POST /api/tickets → 400 (its "c" in "c ID" is a Latin letter, kept as documented).
  creatorNotFound: (creatorId: number) =>
    new DomainError('creator_not_found', 400, `Пользователь c ID ${creatorId} не найден`),
  operatorNotFound: (operatorId: number) =>
    new DomainError('operator_not_found', 400, `Оператор с ID ${operatorId} не найден`),
  // Seed: GET /api/tickets/{id} → 404, PATCH → 400, POST messages → 400 (two different texts).
  ticketNotFound: () => new DomainError('ticket_not_found', 404, 'Ticket not found'),
  ticketToUpdateNotFound: (ticketId: number) =>
    new DomainError('ticket_not_found', 400, `Тикет с id ${ticketId} не найден`),
  ticketToAnswerNotFound: (ticketId: number) =>
    new DomainError('ticket_not_found', 400, `Тикет с ${ticketId} не найден`),

  alreadyVerified: () => new DomainError('already_verified', 400, 'This address is verified already'),
  badEmailToken: () => new DomainError('bad_email_token', 400, 'This link is invalid, used or expired'),
  // 409: not with this server's configuration (no outgoing mail), however often it is asked.
  mailNotConfigured: () =>
    new DomainError('mail_not_configured', 409, 'Mail is not configured on this server; ask an admin'),
  outboxNotFound: () => new DomainError('outbox_not_found', 404, 'Outgoing mail not found'),
  alreadySent: () => new DomainError('already_sent', 400, 'This mail has already been sent'),
  attachmentNotFound: () => new DomainError('attachment_not_found', 404, 'Attachment not found'),

  webhookNotFound: () => new DomainError('webhook_not_found', 404, 'Webhook not found'),
  webhookDeliveryNotFound: () => new DomainError('webhook_delivery_not_found', 404, 'Delivery not found'),
  webhookDeliveryInFlight: () =>
    new DomainError('webhook_delivery_in_flight', 409, 'This delivery is being attempted right now; try again shortly'),
  // What a schema cannot judge about a webhook's input: FastAPI's 422 at the field, as if the schema had said it.
  webhookInput: (field: string, msg: string) =>
    new DomainError('webhook_input', 422, [{ loc: ['body', field], msg, type: 'value_error' }]),

  // Triage (priority, tags, group) is how staff sort the work: not a customer's to set.
  triageForbidden: () => new DomainError('forbidden', 403, 'Only operators can set priority, tags and group'),
  unknownGroupId: (groupId: number) =>
    new DomainError('group_not_found', 422, [
      { loc: ['body', 'group_id'], msg: `Group ${groupId} not found`, type: 'group_not_found' },
    ]),
  tooManyTags: (max: number, field: string) =>
    new DomainError('too_many_tags', 422, [
      { loc: ['body', field], msg: `A ticket has at most ${max} tags`, type: 'too_many_tags' },
    ]),

  staleTicket: () =>
    new DomainError(
      'precondition_failed',
      412,
      'The ticket has changed since you read it (If-Match); reload it and retry',
    ),
  // 422 as the IETF Idempotency-Key draft says, in our 422 shape (a list naming the header).
  idempotencyMismatch: () =>
    new DomainError('idempotency_mismatch', 422, [
      {
        loc: ['header', 'idempotency-key'],
        msg: 'This Idempotency-Key was already used for a different request',
        type: 'idempotency_key_reused',
      },
    ]),
  idempotencyInProgress: () =>
    new DomainError('idempotency_in_progress', 409, 'A request with this Idempotency-Key is still being processed', {
      'Retry-After': '1',
    }),
  badIdempotencyKey: () =>
    new DomainError('bad_idempotency_key', 422, [
      {
        loc: ['header', 'idempotency-key'],
        msg: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
        type: 'value_error',
      },
    ]),

  slaPolicyNotFound: () => new DomainError('sla_policy_not_found', 404, 'SLA policy not found'),
  slaPolicyPriorityTaken: (priority: string | null) =>
    new DomainError(
      'sla_policy_priority_taken',
      409,
      priority === null
        ? 'An SLA policy for any priority (null) already exists'
        : `An SLA policy for priority '${priority}' already exists`,
    ),
  // What the schema cannot judge about a policy: a time zone Intl does not know, an end before the start.
  badSlaPolicy: (problems: { loc: (string | number)[]; msg: string }[]) =>
    new DomainError(
      'bad_sla_policy',
      422,
      problems.map(({ loc, msg }) => ({ loc: ['body', ...loc], msg, type: 'value_error' })),
    ),

  // A query value the schema cannot judge alone (an id out of range, a date no calendar has, a combination).
  badQueryValue: (name: string, msg: string, type = 'value_error') =>
    new DomainError('bad_query', 422, [{ loc: ['query', name], msg, type }]),
  badCursor: () =>
    new DomainError('bad_cursor', 422, [{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }]),
  databaseUnavailable: () =>
    new DomainError('database_unavailable', 503, 'Service temporarily unavailable, please retry', {
      'Retry-After': '5',
    }),
} as const;
