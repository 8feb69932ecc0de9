import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Get200<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? Json<R> : never;

export type TicketPage = Get200<'/api/tickets'>;
export type Ticket = TicketPage['data'][number];
export type MessagePage = Get200<'/api/tickets/{ticket_id}/messages'>;
export type Message = MessagePage['data'][number];
export type Me = Get200<'/api/users/me'>['data'];
export type TicketStatus = Ticket['status'];
export type Priority = Ticket['priority'];

const TOKEN_KEY = 'service-desk.token';
// Whether the last account signed in here was a customer: only a hint for what to fetch before the
// account itself has loaded (the screens are chosen from `/api/users/me`, never from this).
const CUSTOMER_HINT_KEY = 'service-desk.customer';

/** The bearer token, kept in localStorage so a reload keeps the session; signing out forgets it. */
export const session = {
  token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  set(token: string): void {
    localStorage.setItem(TOKEN_KEY, token);
  },
  clear(): void {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(CUSTOMER_HINT_KEY);
  },
  wasCustomer(): boolean {
    return localStorage.getItem(CUSTOMER_HINT_KEY) === '1';
  },
  rememberRole(role: string): void {
    localStorage.setItem(CUSTOMER_HINT_KEY, role === 'customer' ? '1' : '0');
  },
};

/** Called when the API answers 401 to a request that carried the token (expired or revoked). */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

const bearer: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('authorization')) onUnauthorized();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(bearer);

/** An API error's `detail` as one line of text. */
export function detailOf(error: unknown, fallback: string): string {
  if (error && typeof error === 'object' && 'detail' in error) {
    const { detail } = error as { detail: unknown };
    if (typeof detail === 'string') return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((item) => (item && typeof item === 'object' && 'msg' in item ? String(item.msg) : String(item)))
        .join('; ');
    }
  }
  return fallback;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
