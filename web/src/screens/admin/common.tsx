import { ApiError, detailOf, type paths } from '../../api/client';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Get200<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? Json<R> : never;

export type User = Get200<'/api/users'>['data'][number];
export type Group = Get200<'/api/groups'>['data'][number];
export type Canned = Get200<'/api/canned-responses'>['data'][number];
export type SlaPolicy = Get200<'/api/sla-policies'>['data'][number];
export type Webhook = Get200<'/api/webhooks'>['data'][number];
export type Delivery = Get200<'/api/webhooks/{webhook_id}/deliveries'>['data'][number];
export type Mailbox = Get200<'/api/mail/mailboxes'>['data'][number];
export type MailLogEntry = Get200<'/api/mail/log'>['data'][number];
export type OutboxEntry = Get200<'/api/mail/outbox'>['data'][number];

/** The answer's body, or an ApiError carrying the status and the API's `detail` (409, 422 … shown by the form). */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }, fallback: string): T {
  if (result.data === undefined) {
    throw new ApiError(result.response.status, detailOf(result.error, `${fallback} (HTTP ${result.response.status})`));
  }
  return result.data;
}

/** An error from the API, next to the form that caused it. */
export function ErrorText({ error }: { error: Error | null }) {
  if (!error) return null;
  return <p role="alert">{error.message}</p>;
}

export function when(value: string | null | undefined): string {
  // In the console's language (LanguageProvider keeps <html lang> current).
  return value ? new Date(value).toLocaleString(document.documentElement.lang === 'ru' ? 'ru-RU' : 'en-US') : '—';
}
