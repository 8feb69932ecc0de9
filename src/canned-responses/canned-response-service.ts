import { type Caller, isStaff } from '../access/caller.js';
import type { Db } from '../db/client.js';
import type { UserRow } from '../db/schema.js';
import { errors } from '../lib/errors.js';
import type { Page } from '../lib/schemas.js';
import { ticketRepository } from '../tickets/ticket-repository.js';
import { type CannedResponseChanges, cannedResponseRepository as responses } from './canned-response-repository.js';
import {
  type CannedResponseView,
  type CannedResponseWithAuthor,
  type CreateCannedResponse,
  type ListCannedResponses,
  toCannedResponseView,
  type UpdateCannedResponse,
} from './canned-response-schemas.js';
import { fillPlaceholders } from './placeholders.js';
import { decodeTitleCursor, encodeTitleCursor } from './title-cursor.js';

/**
 * Canned responses, for staff only. A private one is its author's: anyone else but an admin is told it does
 * not exist (404), so ids reveal nothing. A shared one every member of staff reads; only its author and
 * admins change or delete it (403 for the others).
 */
export class CannedResponseService {
  constructor(private readonly db: Db) {}

  async create(caller: Caller, input: CreateCannedResponse): Promise<CannedResponseView> {
    const user = await staffOf(caller);
    const row = await responses.insert(this.db, {
      authorId: user.id,
      title: input.title,
      text: input.text,
      shared: input.shared,
    });
    return toCannedResponseView({ response: row, author: user });
  }

  async list(caller: Caller, query: ListCannedResponses): Promise<Page<CannedResponseView>> {
    const user = await staffOf(caller);
    const after = query.cursor ? decodeTitleCursor(query.cursor) : undefined;
    const rows = await responses.listFor(this.db, user.id, { q: query.q, after, limit: query.limit + 1 });
    // One row more than asked says whether another page follows, without a count.
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > query.limit && last
        ? encodeTitleCursor({ title: last.response.title, id: last.response.id })
        : null;
    return { items: items.map(toCannedResponseView), nextCursor };
  }

  async get(caller: Caller, id: number): Promise<CannedResponseView> {
    return toCannedResponseView(await this.readable(await staffOf(caller), id));
  }

  async update(caller: Caller, id: number, input: UpdateCannedResponse): Promise<CannedResponseView> {
    const user = await staffOf(caller);
    checkMayChange(user, await this.readable(user, id));
    const changes: CannedResponseChanges = {};
    if (input.title !== undefined) changes.title = input.title;
    if (input.text !== undefined) changes.text = input.text;
    if (input.shared !== undefined) changes.shared = input.shared;
    if (!(await responses.update(this.db, id, changes))) throw errors.cannedResponseNotFound();
    return this.get(caller, id);
  }

  async delete(caller: Caller, id: number): Promise<void> {
    const user = await staffOf(caller);
    checkMayChange(user, await this.readable(user, id));
    if (!(await responses.delete(this.db, id))) throw errors.cannedResponseNotFound();
  }

  /** The text with the ticket's and the caller's details in its placeholders (see placeholders.ts). */
  async render(caller: Caller, id: number, ticketId: number): Promise<{ text: string }> {
    const user = await staffOf(caller);
    const { response } = await this.readable(user, id);
    const found = await ticketRepository.findWithPeople(this.db, ticketId);
    if (!found) throw errors.ticketNotFound();
    const values = new Map([
      ['customer.username', found.creator.username],
      ['customer.email', found.creator.email],
      ['ticket.id', String(found.ticket.id)],
      ['ticket.subject', found.ticket.subject],
      ['operator.username', user.username],
    ]);
    return { text: fillPlaceholders(response.text, values) };
  }

  private async readable(user: UserRow, id: number): Promise<CannedResponseWithAuthor> {
    const found = await responses.findWithAuthor(this.db, id);
    const mayRead = found && (found.response.shared || found.response.authorId === user.id || user.role === 'admin');
    if (!found || !mayRead) throw errors.cannedResponseNotFound();
    return found;
  }
}

/** Canned responses are staff's tools: a customer gets 403 on every route. */
async function staffOf(caller: Caller): Promise<UserRow> {
  const user = await caller.user();
  if (!isStaff(user)) throw errors.forbidden();
  return user;
}

function checkMayChange(user: UserRow, { response }: CannedResponseWithAuthor): void {
  if (response.authorId !== user.id && user.role !== 'admin') {
    throw errors.forbidden('Only its author or an admin can change a canned response');
  }
}
