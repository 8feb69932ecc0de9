import type { Static } from 'typebox';
import type { Message } from '../routes/messages/schemas.js';
import { toUserView } from '../users/user-view.js';
import type { MessageWithAuthor } from './message-repository.js';

export type MessageView = Static<typeof Message>;

export function toMessageView({ message, author }: MessageWithAuthor): MessageView {
  return {
    id: message.id,
    ticket_id: message.ticketId,
    text: message.text,
    internal: message.internal,
    channel: message.channel,
    created_at: message.createdAt.toISOString(),
    author: toUserView(author),
  };
}
