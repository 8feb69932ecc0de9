import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { type MailStack, mailEnv, startMailStack } from '../test/helpers/mail.js';
import { startApi } from './http-phase.js';
import { freshDatabase, withClient } from './postgres.js';
import { root } from './processes.js';
import { percentile, round } from './stats.js';

export interface MailResult {
  method: string;
  messages: number;
  /** Time to APPEND every mail into the mailbox (before the API starts). */
  appendSeconds: number;
  /** From the API's watcher connecting to the mailbox full of them until the last mail is a ticket. */
  ingestSeconds: number;
  messagesPerSecond: number;
  latencyMs: { samples: number[]; p50: number; p95: number };
  peakRssMb: number;
}

/** Our own instance of the test mail stack (folder and ports offset by 40), so the tests and the soak keep theirs. */
const instance = { name: 'bench', portOffset: 40 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rawMail(from: string, to: string, subject: string, id: string): string {
  return [
    `From: Customer <${from}>`,
    `To: <${to}>`,
    `Subject: ${subject}`,
    `Message-ID: <${id}@bench.example.test>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello, the printer on the third floor does not print since this morning. Could you have a look?',
    '',
  ].join('\r\n');
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, everyMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function stopStack(stack: MailStack) {
  await promisify(execFile)('bash', [path.join(root, 'scripts/mail-stack.sh'), 'stop'], {
    env: { ...process.env, ...stack.env },
    timeout: 60_000,
  });
}

/**
 * The bulk mails are put into the support mailbox with IMAP APPEND (no SMTP queue in between) before the
 * API starts: then the API finds a full mailbox, as after an outage or a mass mailing, and what is timed
 * is its ingest alone, from its watcher connecting until the last mail is a ticket. (Appended while the
 * API runs, the mails arrived at one connection's APPEND pace, which was what got measured.) The API runs
 * with the mail settings the tests use, its fallback poll set to a minute, so the single mails timed after
 * the bulk arrive through IDLE.
 */
export async function runMailPhase(
  admin: string,
  count: number,
  latencySamples: number,
  log: (line: string) => void,
  cpuProfileDir?: string,
): Promise<MailResult> {
  log('starting the mail stack (instance "bench", ports +40) …');
  const stack = await startMailStack(instance);
  const run = randomBytes(4).toString('hex');
  const support = `support-bench-${run}@${stack.domain}`;
  const url = await freshDatabase(admin, 'sd_bench_mail');
  const imap = new ImapFlow({
    host: '127.0.0.1',
    port: stack.imapPort,
    secure: false,
    auth: { user: support, pass: stack.password },
    tls: { ca: [stack.caPem] },
    logger: false,
  });
  await imap.connect();
  const sender = (i: number) => `customer${i % 200}-${run}@${stack.domain}`;
  log(`appending ${count} mails before the API starts …`);
  const appendStarted = performance.now();
  for (let i = 0; i < count; i++) {
    await imap.append('INBOX', rawMail(sender(i), support, `Bulk ${i} ${run}`, `bulk-${run}-${i}`));
  }
  const appendSeconds = (performance.now() - appendStarted) / 1000;
  const api = await startApi(
    { DATABASE_URL: url, ...mailEnv(stack, support), EMAIL_POLL_SECONDS: '60' },
    cpuProfileDir,
  );
  try {
    return await withClient(url, async (db) => {
      const scalar = async (text: string, params: unknown[] = []) =>
        Number((await db.query<{ value: string }>(text, params)).rows[0]?.value ?? 0);
      // The table exists once the API has migrated; until then the probe's error means "not yet".
      await waitFor(
        async () => (await scalar('SELECT count(*) AS value FROM mailbox_state WHERE connected').catch(() => 0)) > 0,
        60_000,
        20,
        'the mailbox watcher to connect',
      );
      const started = performance.now();
      await waitFor(
        async () => (await scalar('SELECT count(*) AS value FROM tickets')) >= count,
        Math.max(120_000, count * 100),
        50,
        `${count} tickets`,
      );
      const ingestSeconds = (performance.now() - started) / 1000;
      log(
        `  ${count} tickets in ${round(ingestSeconds)} s after the watcher connected (appended in ${round(appendSeconds)} s)`,
      );

      const samples: number[] = [];
      for (let i = 0; i < latencySamples; i++) {
        // Let the watcher finish its sync and go back into IDLE, as between two real customers' mails.
        await sleep(700 + Math.random() * 300);
        const subject = `Single ${i} ${run}`;
        await imap.append('INBOX', rawMail(sender(i), support, subject, `single-${run}-${i}`));
        const appended = performance.now();
        await waitFor(
          async () => (await scalar('SELECT count(*) AS value FROM tickets WHERE subject = $1', [subject])) > 0,
          30_000,
          5,
          `the ticket for "${subject}"`,
        );
        samples.push(round(performance.now() - appended));
      }
      return {
        method: 'IMAP APPEND (imapflow, one connection) before the API starts',
        messages: count,
        appendSeconds: round(appendSeconds, 2),
        ingestSeconds: round(ingestSeconds, 2),
        messagesPerSecond: round(count / ingestSeconds),
        latencyMs: { samples, p50: percentile(samples, 50), p95: percentile(samples, 95) },
        peakRssMb: api.peakRssMb(),
      };
    });
  } finally {
    await imap.logout().catch(() => undefined);
    await api.stop();
    await stopStack(stack).catch((error: unknown) => log(`could not stop the bench mail stack: ${String(error)}`));
  }
}
