import { type Static, Type } from 'typebox';
import { AttachmentSummary, type AttachmentSummaryView } from '../attachments/attachment-schemas.js';
import { messageChannel } from '../db/schema.js';
import { isoString } from '../lib/iso-date.js';
import { Id, PageQuery, Text, Timestamp } from '../lib/schemas.js';
import { toUserView, User, type Viewer } from '../users/user-schemas.js';
import type { MessageWithAuthor } from './message-repository.js';

/** The contract of a ticket's conversation. Channels come from the database enum. */
export const Message = Type.Object({
  id: Id,
  ticket_id: Id,
  text: Type.String(),
  internal: Type.Boolean({ description: 'Internal notes are visible to operators only and never emailed.' }),
  channel: Type.Enum(messageChannel.enumValues),
  created_at: Timestamp,
  author: User,
  attachments: Type.Array(AttachmentSummary, { description: 'Files that came with this message (by email).' }),
});

export const CreateMessageBody = Type.Object(
  {
    text: Text(1, 50_000),
    internal: Type.Boolean({ default: false, description: 'Operators and admins only.' }),
  },
  { additionalProperties: false, examples: [{ text: 'Проблема решается.' }] },
);

export const ListMessagesQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

// How rows become what callers see.

export type MessageView = Static<typeof Message>;

export function toMessageView(
  { message, author }: MessageWithAuthor,
  viewer?: Viewer,
  files: AttachmentSummaryView[] = [],
): MessageView {
  return {
    id: message.id,
    ticket_id: message.ticketId,
    text: message.text,
    internal: message.internal,
    channel: message.channel,
    created_at: isoString(message.createdAt),
    author: toUserView(author, viewer),
    attachments: files,
  };
}
