import pg from 'pg';

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: Error) => void,
) => void;

const BEGIN = /^\s*begin\b/i;

function queryText(config: unknown): string {
  if (typeof config === 'string') return config;
  const text = (config as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : '';
}

/**
 * A pg Pool whose clients go back to the pool when their BEGIN fails.
 *
 * drizzle-orm's node-postgres `transaction()` (0.45) sends BEGIN before the try/finally that releases the
 * client, so a connection that dies while BEGIN is in flight (a database restart under load) stays checked
 * out forever: the pool shrinks by one with every restart until requests only wait, and `pool.end()`
 * waits for it at shutdown. Here a failed BEGIN releases (destroys) the client at once, and the release
 * drizzle would otherwise make is ignored. Only promise checkouts are wrapped: that is drizzle's path, and
 * `pool.query` (the callback path) releases correctly on its own.
 */
export class ReleasingPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    if (callback) {
      super.connect(callback);
      return undefined;
    }
    return super.connect().then(releaseOnFailedBegin);
  }
}

function releaseOnFailedBegin(client: pg.PoolClient): pg.PoolClient {
  let released = false;
  const release = (error?: Error | boolean) => {
    if (released) return;
    released = true;
    client.release(error);
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'release') return release;
      if (property !== 'query') return Reflect.get(target, property, target);
      return (...args: unknown[]) => {
        const result: unknown = Reflect.apply(target.query, target, args);
        if (result instanceof Promise && BEGIN.test(queryText(args[0]))) {
          result.catch((error: unknown) => release(error instanceof Error ? error : true));
        }
        return result;
      };
    },
  });
}
