import type { Static } from 'typebox';
import type { AttachmentInfo } from '../email/inbound/attachment-repository.js';
import type { Message } from '../routes/messages/schemas.js';
import { toUserView } from '../users/user-view.js';
import type { MessageWithAuthor } from './message-repository.js';

export type MessageView = Static<typeof Message>;

export function toMessageView(
  { message, author }: MessageWithAuthor,
  attachments: Pick<AttachmentInfo, 'id' | 'filename' | 'contentType' | 'size'>[] = [],
): MessageView {
  return {
    id: message.id,
    ticket_id: message.ticketId,
    text: message.text,
    internal: message.internal,
    channel: message.channel,
    created_at: message.createdAt.toISOString(),
    author: toUserView(author),
    attachments: attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      content_type: a.contentType,
      size: a.size,
    })),
  };
}
