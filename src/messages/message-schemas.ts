import { Type } from 'typebox';
import { AttachmentSummary } from '../attachments/attachment-schemas.js';
import { messageChannel } from '../db/schema.js';
import { Id, PageQuery, Text, Timestamp } from '../lib/schemas.js';
import { User } from '../users/user-schemas.js';

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
