import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request a piece of work belongs to. The API runs each request inside it, so a job queued while
 * answering carries the request's id; a worker runs each job inside it, so the job's log lines carry it too.
 */
export interface RequestContext {
  reqId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithRequest<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/**
 * Runs `work` outside any request: for something a request merely starts and that outlives it (the live
 * hub's listener and timers), whose later log lines must not carry that first request's id.
 */
export function outsideRequest<T>(work: () => T): T {
  return storage.exit(work);
}

/** The id of the request the current work belongs to, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.reqId;
}
