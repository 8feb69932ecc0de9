/** Drizzle wraps driver errors; the PostgreSQL SQLSTATE or the socket error code sits somewhere in the chain. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = current.cause;
  }
  return codes;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const { code, constraint: name } = current as { code?: unknown; constraint?: unknown };
    if (code === '23505') return constraint === undefined || name === constraint;
    current = current.cause;
  }
  return false;
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
];

/**
 * True when Redis could not be reached in time (ioredis gave up on the command): the limits kept there
 * cannot be checked, so the request gets the same 503 as an unreachable database rather than a 500.
 */
export function isRedisUnavailable(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === 'MaxRetriesPerRequestError' || error.message === 'Connection is closed.')
  );
}

/**
 * True when the database is unreachable or going away (restart, failover): such requests get 503 with
 * Retry-After so clients retry, rather than 500. SQLSTATE class 08 is connection exceptions; 57P0x is
 * admin/crash shutdown and "cannot connect now" during start-up.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (errorCodes(error).some((c) => UNAVAILABLE_CODES.has(c) || c.startsWith('08') || /^57P0[1-3]$/.test(c))) {
    return true;
  }
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const { message } = current;
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
    current = current.cause;
  }
  return false;
}

/** 42P01: the table does not exist (a database no migration has touched yet). */
export function isUndefinedTable(error: unknown): boolean {
  return errorCodes(error).includes('42P01');
}
