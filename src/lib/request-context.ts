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

/** The id of the request the current work belongs to, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.reqId;
}
