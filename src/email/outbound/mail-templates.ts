import { replySubject } from '../rules/threading.js';

/** The texts of the mail we send. Subjects carry the ticket token `[#id]` (rules/threading.ts). */

export function replyMail(input: { ticketId: number; ticketSubject: string; text: string; fromName: string }) {
  return {
    subject: replySubject(input.ticketSubject, input.ticketId),
    bodyText: `${input.text}\n\n-- \n${input.fromName}\n`,
  };
}

export function acknowledgementMail(input: { ticketId: number; ticketSubject: string; fromName: string }) {
  return {
    subject: replySubject(input.ticketSubject, input.ticketId),
    bodyText:
      `Hello,\n\nWe have received your request and opened ticket #${input.ticketId}. ` +
      'Reply to this email to add to it; please keep the ticket number in the subject.\n\n' +
      `-- \n${input.fromName}\n`,
  };
}
