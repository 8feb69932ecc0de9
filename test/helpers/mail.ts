import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { type ParsedMail, simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { waitUntil } from './wait.js';

const run = promisify(execFile);
const script = path.resolve(import.meta.dirname, '../../scripts/mail-stack.sh');

export interface MailStack {
  /** The script's environment for this instance (state folder and ports). */
  env: Record<string, string>;
  smtpPort: number;
  imapPort: number;
  ca: string;
  caPem: string;
  doveadm: string;
  password: string;
  domain: string;
}

/**
 * Starts the real Dovecot + Postfix on loopback (idempotent; installs them the first time). The default
 * instance is shared by test files that only send and read mail. A test file that stops or restarts
 * servers gets its own `instance` (own folder and ports, offset by `portOffset`), so it disturbs nobody.
 */
export async function startMailStack(instance?: { name: string; portOffset: number }): Promise<MailStack> {
  const env: Record<string, string> = instance
    ? {
        MAIL_STACK_DIR: `/tmp/service-desk-mail-stack-${instance.name}`,
        MAIL_STACK_SMTP_PORT: String(2525 + instance.portOffset),
        MAIL_STACK_IMAP_PORT: String(1143 + instance.portOffset),
        MAIL_STACK_IMAPS_PORT: String(1993 + instance.portOffset),
        MAIL_STACK_LMTP_PORT: String(2424 + instance.portOffset),
      }
    : {};
  const options = { env: { ...process.env, ...env } };
  await run('bash', [script, 'start'], { ...options, timeout: 180_000 });
  const { stdout } = await run('bash', [script, 'env'], options);
  const printed = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const need = (key: string) => {
    const value = printed[key];
    if (!value) throw new Error(`mail-stack.sh env did not print ${key}`);
    return value;
  };
  return {
    env,
    smtpPort: Number(need('MAIL_STACK_SMTP_PORT')),
    imapPort: Number(need('MAIL_STACK_IMAP_PORT')),
    ca: need('MAIL_STACK_CA'),
    caPem: readFileSync(need('MAIL_STACK_CA'), 'utf8'),
    doveadm: need('MAIL_STACK_DOVEADM'),
    password: need('MAIL_STACK_PASSWORD'),
    domain: need('MAIL_STACK_DOMAIN'),
  };
}

/**
 * Runs one of the script's fault commands against `stack`'s own instance (its folder and ports): stopping
 * or restarting the default instance would disturb every other test file using it.
 */
export async function mailStack(
  stack: MailStack,
  command: 'stop-smtp' | 'start-smtp' | 'restart-imap' | 'wipe',
  ...args: string[]
): Promise<void> {
  await run('bash', [script, command, ...args], { env: { ...process.env, ...stack.env }, timeout: 60_000 });
}

/**
 * Whether Postfix's queue on `stack` is empty: every mail it has accepted (from a client or from the desk)
 * is in its Dovecot mailbox, or bounced. A mail is in the queue from the moment SMTP accepts it.
 */
export async function mailQueueEmpty(stack: MailStack): Promise<boolean> {
  const options = { env: { ...process.env, ...stack.env }, timeout: 30_000 };
  try {
    await run('bash', [script, 'queue-empty'], options);
    return true;
  } catch (error) {
    // Exit 1 with this line means "not empty"; anything else is a failure to look.
    if (/in Postfix's queue/.test(String((error as { stdout?: unknown }).stdout ?? ''))) return false;
    throw error;
  }
}

/** Dovecot's count of `user`'s open IMAP sessions (`doveadm who`): what a provider's session cap counts. */
export async function dovecotImapSessions(stack: MailStack, user: string): Promise<number> {
  const { stdout } = await run(stack.doveadm, ['who', '-1', user], { env: { ...process.env, ...stack.env } });
  return stdout.split('\n').filter((line) => line.includes(user) && line.includes('imap')).length;
}

/** A fresh address per test file: any address at the stack's domain is a mailbox. */
export function newAddress(stack: MailStack, prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@${stack.domain}`;
}

/** The configuration a Service Desk needs to use `support` as its mailbox on the stack, over STARTTLS. */
export function mailEnv(stack: MailStack, support: string): Record<string, string> {
  return {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(stack.smtpPort),
    SMTP_FROM_EMAIL: support,
    SMTP_TLS_CA: stack.ca,
    EMAIL_IMAP_HOST: '127.0.0.1',
    EMAIL_IMAP_PORT: String(stack.imapPort),
    EMAIL_IMAP_SECURE: 'false',
    EMAIL_IMAP_USER: support,
    EMAIL_IMAP_PASSWORD: stack.password,
    EMAIL_IMAP_TLS_CA: stack.ca,
    EMAIL_RETRY_BASE_SECONDS: '0.5',
    EMAIL_POLL_SECONDS: '5',
  };
}

/** Puts a raw message straight into a mailbox (as if delivered), bypassing SMTP. */
export async function deliverRaw(stack: MailStack, user: string, raw: Buffer | string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      stack.doveadm,
      ['save', '-u', user, '-m', 'INBOX'],
      { env: { ...process.env, ...stack.env } },
      (error) => (error ? reject(error) : resolve()),
    );
    child.stdin?.end(raw);
  });
}

/**
 * Puts many raw files into a mailbox at once (as if delivered, unseen), like `deliverRaw` for each but with
 * one `doveadm import` of a throw-away Maildir: one process per file is slow on a busy machine. The UIDs
 * they get need not follow the order of `files`.
 */
export async function deliverFiles(stack: MailStack, user: string, files: string[]): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'sd-deliver-'));
  try {
    const maildir = path.join(folder, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(path.join(maildir, sub), { recursive: true });
    files.forEach((file, index) => {
      copyFileSync(file, path.join(maildir, 'new', `${String(index + 1).padStart(6, '0')}.test`));
    });
    // Dovecot reads the source as its mail user.
    await run('chown', ['-R', 'mail:mail', folder]);
    await run(stack.doveadm, ['import', '-u', user, `maildir:${maildir}`, '', 'all'], {
      env: { ...process.env, ...stack.env },
      timeout: 300_000,
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export interface OutgoingTestMail {
  to: string;
  subject: string;
  text: string;
  fromName?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  attachments?: { filename: string; content: Buffer | string; contentType?: string }[];
}

/** A person's mail client: sends over SMTP and reads its own inbox over IMAP. */
export class MailClient {
  constructor(
    readonly stack: MailStack,
    readonly address: string,
  ) {}

  async send(mail: OutgoingTestMail): Promise<string> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.stack.smtpPort,
      secure: false,
      tls: { ca: [this.stack.caPem] },
    });
    try {
      const info = await transport.sendMail({
        from: { name: mail.fromName ?? 'Customer', address: this.address },
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
        inReplyTo: mail.inReplyTo,
        references: mail.references,
        headers: mail.headers,
        attachments: mail.attachments,
      });
      return info.messageId;
    } finally {
      transport.close();
    }
  }

  /** Every message in the inbox, parsed, oldest first, with its raw source. */
  async inbox(): Promise<{ parsed: ParsedMail; raw: Buffer }[]> {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: this.stack.imapPort,
      secure: false,
      auth: { user: this.address, pass: this.stack.password },
      tls: { ca: [this.stack.caPem] },
      logger: false,
    });
    await client.connect();
    try {
      const box = await client.mailboxOpen('INBOX');
      if (box.exists === 0) return [];
      const messages = await client.fetchAll('1:*', { uid: true, source: true });
      const result: { parsed: ParsedMail; raw: Buffer }[] = [];
      for (const message of messages.sort((a, b) => a.uid - b.uid)) {
        if (message.source) result.push({ parsed: await simpleParser(message.source), raw: message.source });
      }
      return result;
    } finally {
      await client.logout();
    }
  }

  /** Waits until the inbox holds a message matching `predicate`. */
  async waitForMail(predicate: (mail: ParsedMail) => boolean, timeoutMs = 10_000) {
    return waitUntil(async () => (await this.inbox()).find(({ parsed }) => predicate(parsed)), timeoutMs);
  }
}
