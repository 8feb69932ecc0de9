import { type Static, Type } from 'typebox';
import type { CannedResponseRow } from '../db/schema.js';
import { Id, PageQuery, Text, Timestamp } from '../lib/schemas.js';
import { NO_NUL } from '../lib/validation.js';
import type { PublicUserRow } from '../users/user-repository.js';
import { toUserView, User } from '../users/user-schemas.js';
import { TITLE_CURSOR_PATTERN } from './title-cursor.js';

/** The contract of canned responses: answers staff keep for reuse, their own or shared with all staff. */

export const PLACEHOLDERS_HELP =
  'Placeholders filled by render: {{customer.username}}, {{customer.email}}, {{ticket.id}}, ' +
  '{{ticket.subject}}, {{operator.username}} (spaces inside the braces allowed; others are left as written).';

export const CannedResponse = Type.Object({
  id: Id,
  title: Type.String(),
  text: Type.String(),
  shared: Type.Boolean({ description: 'Every operator and admin sees it; only its author and admins change it.' }),
  author: User,
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Title = Text(1, 200);
const Body = Text(1, 50_000, PLACEHOLDERS_HELP);

export const CreateCannedResponseBody = Type.Object(
  { title: Title, text: Body, shared: Type.Boolean({ default: false }) },
  {
    additionalProperties: false,
    examples: [{ title: 'Printer restart', text: 'Hello {{customer.username}}, please restart the printer.' }],
  },
);

export const UpdateCannedResponseBody = Type.Object(
  { title: Type.Optional(Title), text: Type.Optional(Body), shared: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);

export const ListCannedResponsesQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: NO_NUL,
        description: 'Only those whose title or text contains this, ignoring case.',
      }),
    ),
    ...PageQuery,
    // Longer than other lists' cursors: it carries a title (see title-cursor.ts).
    cursor: Type.Optional(
      Type.String({ pattern: TITLE_CURSOR_PATTERN, description: 'Opaque cursor from `meta.next_cursor`.' }),
    ),
  },
  { additionalProperties: false },
);

export const RenderCannedResponseBody = Type.Object(
  { ticket_id: Id },
  { additionalProperties: false, examples: [{ ticket_id: 1 }] },
);
export const RenderedText = Type.Object({ text: Type.String() });

export type CannedResponseView = Static<typeof CannedResponse>;
export type CreateCannedResponse = Static<typeof CreateCannedResponseBody>;
export type UpdateCannedResponse = Static<typeof UpdateCannedResponseBody>;
export type ListCannedResponses = Static<typeof ListCannedResponsesQuery>;

/** A canned response and its author, as the repository reads them. */
export interface CannedResponseWithAuthor {
  response: CannedResponseRow;
  author: PublicUserRow;
}

export function toCannedResponseView({ response, author }: CannedResponseWithAuthor): CannedResponseView {
  return {
    id: response.id,
    title: response.title,
    text: response.text,
    shared: response.shared,
    author: toUserView(author),
    created_at: response.createdAt.toISOString(),
    updated_at: response.updatedAt.toISOString(),
  };
}
