/** Claims of a verified token, as `@fastify/jwt` returned them; shared between requests, so frozen. */
export type VerifiedClaims = Readonly<Record<string, unknown>>;

interface Entry {
  claims: VerifiedClaims;
  /** `exp` in milliseconds: the entry serves strictly before it (the verifier accepts up to it, inclusive). */
  validUntilMs: number;
}

/** Longer than any token this API signs ("Bearer " and ~200 characters): never kept. */
const MAX_HEADER_LENGTH = 2048;

/**
 * The outcome of verifying a bearer token's signature and claims (HS256, expiry), remembered per process by
 * the exact `Authorization` header until the token expires, so a client's every request does not decode
 * and HMAC the same token again (a few percent of a list's CPU). Only that outcome is kept: whether the
 * account may act (deactivated, token version, role) is still checked on every request, by `Callers` or by
 * the statement that does the work. Only successes are kept, and only tokens with an expiry; at most
 * `maxEntries`, the oldest dropped first.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The claims verified earlier for exactly this header, while the token has not expired. */
  get(header: string): VerifiedClaims | undefined {
    const entry = this.entries.get(header);
    if (entry === undefined) return undefined;
    if (this.now() < entry.validUntilMs) return entry.claims;
    this.entries.delete(header);
    return undefined;
  }

  /** Remembers the claims the verifier accepted for this header (a token without `exp`, or with `nbf`, is not kept). */
  remember(header: string, claims: unknown): void {
    if (typeof claims !== 'object' || claims === null || header.length > MAX_HEADER_LENGTH) return;
    const { exp, nbf } = claims as { exp?: unknown; nbf?: unknown };
    if (typeof exp !== 'number' || !Number.isFinite(exp) || nbf !== undefined) return;
    const validUntilMs = exp * 1000;
    if (!(this.now() < validUntilMs)) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(header)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(header, { claims: Object.freeze({ ...claims }), validUntilMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
