import type { Static } from 'typebox';
import type { AttachmentSummaryView } from '../attachments/attachment-view.js';
import { toUserView } from '../users/user-view.js';
import type { MessageWithAuthor } from './message-repository.js';
import type { Message } from './message-schemas.js';

export type MessageView = Static<typeof Message>;

export function toMessageView(
  { message, author }: MessageWithAuthor,
  files: AttachmentSummaryView[] = [],
): MessageView {
  return {
    id: message.id,
    ticket_id: message.ticketId,
    text: message.text,
    internal: message.internal,
    channel: message.channel,
    created_at: message.createdAt.toISOString(),
    author: toUserView(author),
    attachments: files,
  };
}
