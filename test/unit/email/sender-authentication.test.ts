import { describe, expect, it } from 'vitest';
import { parseAuthenticationResults, senderAuthentication } from '../../../src/email/rules/sender-authentication.js';

describe('Authentication-Results (RFC 8601)', () => {
  it('reads the authserv-id and each method’s result, comments and versions aside', () => {
    const parsed = parseAuthenticationResults(
      'mx.google.com (the receiver; it said "hi; there"); dkim=pass (good sig) header.i=@example.com;\r\n' +
        ' spf=softfail (domain of x@y.z does not designate) smtp.mailfrom=x@y.z; dmarc/1=FAIL (p=REJECT) header.from=example.com',
    );
    expect(parsed?.authservId).toBe('mx.google.com');
    expect(Object.fromEntries(parsed?.results ?? [])).toEqual({ dkim: ['pass'], spf: ['softfail'], dmarc: ['fail'] });
  });

  it('takes "none" and quoted values without being fooled by semicolons inside them', () => {
    expect(parseAuthenticationResults('example.org 1; none')?.results.size).toBe(0);
    const quoted = parseAuthenticationResults('mx.example; auth=pass smtp.auth="a;dmarc=pass"; dmarc=fail');
    expect(quoted?.results.get('dmarc')).toEqual(['fail']);
  });

  it('judges by the topmost header of the trusted server only, and by its DMARC result', () => {
    const trusted = 'mx.example.test';
    const ours = (dmarc: string) => `MX.Example.Test; dkim=pass header.d=x; dmarc=${dmarc} header.from=x`;
    const forgedPass = 'mx.example.test; dmarc=pass header.from=x';
    expect(senderAuthentication([ours('fail'), forgedPass], trusted)).toBe('fail');
    expect(senderAuthentication([ours('pass')], trusted)).toBe('pass');
    expect(senderAuthentication([ours('none')], trusted)).toBe('none');
    expect(senderAuthentication(['elsewhere.example; dmarc=fail'], trusted)).toBe('none');
    expect(senderAuthentication([], trusted)).toBe('none');
    expect(senderAuthentication([ours('fail')], undefined)).toBe('unknown');
  });

  it('never throws on garbage', () => {
    for (const value of ['', ';;;', '((((', '"unterminated', '\\', 'a=b=c', ' ; dmarc=pass']) {
      expect(() => senderAuthentication([value], 'x')).not.toThrow();
    }
    expect(parseAuthenticationResults('')).toBeNull();
  });
});
