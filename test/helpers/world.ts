import { attachmentRepository } from '../../src/attachments/attachment-repository.js';
import { cannedResponseRepository } from '../../src/canned-responses/canned-response-repository.js';
import type { TicketRow } from '../../src/db/schema.js';
import { outboxRepository } from '../../src/email/outbound/outbox-repository.js';
import { eventRepository } from '../../src/events/event-repository.js';
import { groupRepository } from '../../src/groups/group-repository.js';
import { slaPolicyRepository } from '../../src/sla/sla-policy-repository.js';
import { userRepository } from '../../src/users/user-repository.js';
import { webhookRepository } from '../../src/webhooks/webhook-repository.js';
import type { TestContext, TestUser } from './context.js';

/** The cast of the access tests: one of each kind of caller, each with a token, and what the owner has. */
export interface World {
  /** A customer; owns `ticket`. */
  owner: TestUser;
  /** Another customer, who must neither see nor change what the owner has. */
  other: TestUser;
  operator: TestUser;
  admin: TestUser;
  /** An operator switched off after the token was issued: the token must stop working at once. */
  deactivated: TestUser;
  /** The owner's open ticket, with one message of theirs ("The printer is on fire"). */
  ticket: TicketRow;
  /** An attachment on the ticket: photo.jpg, image/jpeg, content "abc". */
  attachmentId: number;
  /** A failed outbox row (a reply to the owner), which staff may send again. */
  outboxId: number;
  /** A group with the operator as its member. */
  groupId: number;
  /** The operator's shared canned response, and the admin's private one. */
  sharedResponseId: number;
  privateResponseId: number;
  /** A webhook (to a URL nobody answers; jobs do not run in the access tests) with one delivery. */
  webhookId: number;
  deliveryId: number;
  /** The SLA policy for urgent tickets (one per priority: shared by the worlds of a file, made when missing). */
  slaPolicyId: number;
}

/**
 * A new world on `ctx`'s database: new accounts and rows at each call, so a test may change them freely and
 * the tests of one file never see each other's.
 */
export async function newWorld(ctx: TestContext): Promise<World> {
  const owner = await ctx.newUser('customer');
  const other = await ctx.newUser('customer');
  const operator = await ctx.newUser('operator');
  const admin = await ctx.newUser('admin');
  const deactivated = await ctx.newUser('operator');
  await userRepository.update(ctx.db, deactivated.user.id, { isActive: false });
  const ticket = await ctx.newTicket(owner);
  await ctx.newMessage(ticket, owner, 'The printer is on fire');
  await attachmentRepository.insertAll(ctx.db, ticket.id, null, [
    { filename: 'photo.jpg', contentType: 'image/jpeg', size: 3, content: Buffer.from('abc') },
  ]);
  const [attachment] = await attachmentRepository.listForTicket(ctx.db, ticket.id);
  if (!attachment) throw new Error(`the attachment of ticket ${ticket.id} was not stored`);
  const outbox = await outboxRepository.insert(ctx.db, {
    kind: 'reply',
    ticketId: ticket.id,
    messageId: null,
    toAddress: owner.user.email,
    toName: owner.user.username,
    subject: 'Re: Printer',
    bodyText: 'Answer',
    headerMessageId: `<${ctx.unique('m')}@example.com>`,
    inReplyTo: null,
    references: null,
  });
  await outboxRepository.markFailedAttempt(ctx.db, outbox.id, 'SMTP said no', null);
  const group = await groupRepository.insert(ctx.db, { name: ctx.unique('Group '), description: '' });
  await groupRepository.replaceMembers(ctx.db, group.id, [operator.user.id]);
  const response = (authorId: number, shared: boolean) =>
    cannedResponseRepository.insert(ctx.db, { authorId, title: 'Hello', text: 'Hi {{customer.username}}', shared });
  const shared = await response(operator.user.id, true);
  const privateOne = await response(admin.user.id, false);
  const webhook = await webhookRepository.insert(ctx.db, {
    url: 'https://hooks.example.com/desk',
    description: '',
    events: ['ticket.updated'],
    secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
  });
  // Its one delivery, recorded by the trigger in the event's statement.
  await eventRepository.insert(ctx.db, [{ ticketId: ticket.id, type: 'ticket.updated', actorId: null }]);
  const [delivery] = await webhookRepository.listDeliveries(ctx.db, webhook.id, { limit: 1 });
  if (!delivery) throw new Error(`no delivery was recorded for webhook ${webhook.id}`);
  const urgent =
    (await slaPolicyRepository.list(ctx.db)).find((policy) => policy.priority === 'urgent') ??
    (await slaPolicyRepository.insert(ctx.db, {
      name: 'Urgent',
      priority: 'urgent',
      firstResponseMinutes: 30,
      resolutionMinutes: 240,
      businessHours: null,
    }));
  return {
    owner,
    other,
    operator,
    admin,
    deactivated,
    ticket,
    attachmentId: attachment.id,
    outboxId: outbox.id,
    groupId: group.id,
    sharedResponseId: shared.id,
    privateResponseId: privateOne.id,
    webhookId: webhook.id,
    deliveryId: delivery.id,
    slaPolicyId: urgent.id,
  };
}
