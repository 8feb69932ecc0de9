import nodemailer from 'nodemailer';
import type { MailConfig } from '../../config.js';

export interface OutgoingMail {
  from: { name: string; address: string };
  to: { name: string; address: string };
  replyTo: string;
  subject: string;
  text: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  /**
   * RFC 3834 `Auto-Submitted`: `auto-replied` on an automatic answer to a mail (acknowledgements),
   * `auto-generated` on other mail a machine wrote (account mail); null on a person's answer.
   */
  autoSubmitted: 'auto-replied' | 'auto-generated' | null;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ response: string }>;
  close(): void;
}

/** An SMTP error that retrying will not fix (5xx: unknown recipient, refused sender, bad credentials). */
export function isPermanentSmtpError(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export function createMailer(smtp: NonNullable<MailConfig['smtp']>): Mailer {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTls,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    tls: smtp.tls.ca ? { ca: [smtp.tls.ca] } : undefined,
    // Connections are kept and reused: a TCP and TLS handshake per mail cost more than the mail itself.
    pool: true,
    maxConnections: 3,
    maxMessages: 100,
    // A dead server must fail the attempt well inside the outbox lease, not hang it.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: { name: mail.from.name, address: mail.from.address },
        to: { name: mail.to.name, address: mail.to.address },
        replyTo: mail.replyTo,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
        inReplyTo: mail.inReplyTo ?? undefined,
        references: mail.references.length > 0 ? mail.references : undefined,
        headers: mail.autoSubmitted
          ? { 'Auto-Submitted': mail.autoSubmitted, 'X-Auto-Response-Suppress': 'All', Precedence: 'auto_reply' }
          : {},
      });
      return { response: String(info.response ?? '') };
    },
    close() {
      transport.close();
    },
  };
}
