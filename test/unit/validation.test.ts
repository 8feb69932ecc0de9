import { describe, expect, it } from 'vitest';
import { buildValidatorCompiler, NOT_BLANK_NO_NUL, toValidationDetails } from '../../src/lib/validation.js';
import { CreateTicketBody, ListTicketsQuery } from '../../src/tickets/ticket-schemas.js';
import { usernameFromEmail } from '../../src/users/username.js';

const compile = buildValidatorCompiler();

function check(schema: object, httpPart: string, data: unknown) {
  const validate = compile({ schema, method: 'POST', url: '/', httpPart }) as (d: unknown) => {
    error?: { validation: Parameters<typeof toValidationDetails>[1] };
  };
  const result = validate(data);
  return result.error ? toValidationDetails(httpPart, result.error.validation) : [];
}

describe('request validation', () => {
  it('does not coerce JSON bodies: a number is not a string', () => {
    expect(check(CreateTicketBody, 'body', { subject: 5, description: 'x' })).toEqual([
      { loc: ['body', 'subject'], msg: 'Input should be a valid string', type: 'string_type' },
    ]);
  });

  it('coerces query strings', () => {
    expect(check(ListTicketsQuery, 'querystring', { limit: '20' })).toEqual([]);
    expect(check(ListTicketsQuery, 'querystring', { limit: 'x' })).toEqual([
      { loc: ['query', 'limit'], msg: 'Input should be a valid integer', type: 'integer_type' },
    ]);
  });

  it('reports missing and unknown fields in FastAPI terms', () => {
    expect(check(CreateTicketBody, 'body', { subject: 'a' })).toEqual([
      { loc: ['body', 'description'], msg: 'Field required', type: 'missing' },
    ]);
    expect(check(CreateTicketBody, 'body', { subject: 'a', description: 'b', urgency: 1 })).toEqual([
      { loc: ['body', 'urgency'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
    ]);
  });

  it('refuses blank text and NUL characters (in linear time: a backtracking pattern would hit the timeout)', () => {
    const pattern = new RegExp(NOT_BLANK_NO_NUL, 'u');
    expect(pattern.test('hello')).toBe(true);
    expect(pattern.test('  \n\t ')).toBe(false);
    expect(pattern.test('a\u0000b')).toBe(false);
    expect(pattern.test(`${'a '.repeat(25_000)}\u0000`)).toBe(false);
    expect(pattern.test(' '.repeat(50_000))).toBe(false);
  });
});

describe('usernames for accounts we create', () => {
  it.each([
    ['admin@example.com', 'admin'],
    ['jo@example.com', 'jouser'],
    ['first.last+tag@example.com', 'first.last_tag'],
    ['иван@пример.рф', 'иван'],
  ])('%s → %s', (email, expected) => {
    expect(usernameFromEmail(email)).toBe(expected);
  });
});
