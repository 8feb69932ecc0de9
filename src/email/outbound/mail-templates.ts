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

/** A link to the web console when PUBLIC_URL is set; always the code and the API call, which work without it. */
function howTo(publicUrl: string | undefined, page: string, token: string, api: string): string {
  const link = publicUrl ? `Open ${publicUrl}/${page}?token=${token}\n\nor use the code ` : 'Use the code ';
  return `${link}${token}\nwith ${api}.`;
}

export function verificationMail(input: {
  username: string;
  token: string;
  publicUrl: string | undefined;
  fromName: string;
}) {
  return {
    subject: 'Confirm your email address',
    bodyText:
      `Hello,\n\nThe account "${input.username}" was created with this address. To confirm that the address ` +
      `is yours, sign in as ${input.username}, then:\n\n` +
      `${howTo(input.publicUrl, 'verify-email', input.token, 'POST /api/users/verify-email')}\n\n` +
      'It works for 24 hours. If you did not create this account, ignore this mail: nothing that reaches ' +
      `us from this address will be shown to that account.\n\n-- \n${input.fromName}\n`,
  };
}

export function passwordResetMail(input: { token: string; publicUrl: string | undefined; fromName: string }) {
  return {
    subject: 'Choose a new password',
    bodyText:
      'Hello,\n\nA new password was asked for the account with this address. To choose one:\n\n' +
      `${howTo(input.publicUrl, 'reset-password', input.token, 'POST /api/auth/password-reset/confirm and a new password')}\n\n` +
      'It works once, for one hour. If you did not ask for it, ignore this mail: your password stays as it is.' +
      `\n\n-- \n${input.fromName}\n`,
  };
}
