import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Two Ajv instances: query strings and path parameters arrive as text and must be coerced ("5" → 5), but a
 * JSON body is typed already, so `{"operator_id": "5"}` or `{"internal": "yes"}` is a client bug that gets a
 * 422 instead of a silent conversion. Neither removes unknown fields: schemas forbid them, and a typo in a
 * field name must be reported, not dropped.
 */
function makeAjv(coerceTypes: boolean | 'array'): Ajv {
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  addFormats.default(ajv, ['email', 'date-time', 'uri']);
  return ajv;
}

export function buildValidatorCompiler(): FastifySchemaCompiler<object> {
  const forBody = makeAjv(false);
  const forText = makeAjv('array');
  return ({ schema, httpPart }) => {
    const validate = (httpPart === 'body' ? forBody : forText).compile(schema);
    const integers = httpPart === 'params' || httpPart === 'querystring' ? integerFields(schema) : [];
    if (integers.length === 0) {
      return (data: unknown) => (validate(data) ? { value: data } : { error: validationError(validate.errors) });
    }
    return (data: unknown) => {
      // Read before Ajv coerces the values in place.
      const spelling = integers.find((name) => !isDecimal((data as Record<string, unknown> | null)?.[name]));
      if (!validate(data)) return { error: validationError(validate.errors) };
      if (spelling === undefined) return { value: data };
      return { error: validationError([{ instancePath: `/${spelling}`, keyword: 'intParsing' } as ErrorObject]) };
    };
  };
}

/**
 * Integers in a path or query string are plain decimal digits. Ajv's coercion reads anything JavaScript's
 * `Number()` does — `1e3`, `0x10`, ` 5`, `1.0` — so one id would have many spellings; those are refused
 * with FastAPI's `int_parsing`. Leading zeros are taken (`007` is 7), as FastAPI takes them. A value Ajv
 * refuses anyway (`-1`, `abc`) keeps Ajv's more precise error, which runs first.
 */
const DECIMAL = /^[0-9]+$/;

function isDecimal(value: unknown): boolean {
  if (value === undefined || typeof value === 'number') return true;
  if (Array.isArray(value)) return value.every(isDecimal);
  return typeof value === 'string' && DECIMAL.test(value);
}

function isInteger(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const { type, anyOf, oneOf, items } = schema as Record<string, unknown>;
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) return true;
  if (type === 'array') return isInteger(items);
  return [anyOf, oneOf].some((branches) => Array.isArray(branches) && branches.some(isInteger));
}

/** The names of a path's or query's integer fields. */
function integerFields(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, unknown> } | null)?.properties ?? {};
  return Object.entries(properties)
    .filter(([, property]) => isInteger(property))
    .map(([name]) => name);
}

function validationError(errors: ErrorObject[] | null | undefined): Error & { validation: ErrorObject[] } {
  return Object.assign(new Error('Validation failed'), { validation: errors ?? [] });
}

/**
 * Text fields: not blank, no NUL (PostgreSQL refuses it in text) and no unpaired UTF-16 surrogate (not a
 * character; it cannot be stored as UTF-8 either). Ajv compiles patterns with the `u` flag, where \p{Cs}
 * matches exactly a lone surrogate. Linear-time on purpose.
 */
export const NOT_BLANK_NO_NUL = '^(?!\\s*$)[^\\u0000\\p{Cs}]*$';
export const NO_NUL = '^[^\\u0000\\p{Cs}]*$';

const PATTERN_MESSAGES: Record<string, string> = {
  [NOT_BLANK_NO_NUL]: 'String should not be blank or contain NUL characters or unpaired surrogates',
  [NO_NUL]: 'String should not contain NUL characters or unpaired surrogates',
};

export interface ValidationDetail {
  loc: (string | number)[];
  msg: string;
  type: string;
}

const LOCATION: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Ajv's errors in FastAPI's shape (`{"loc", "msg", "type"}`), which the seed's clients already parse. */
export function toValidationDetails(context: string | undefined, errors: ErrorObject[]): ValidationDetail[] {
  const prefix = LOCATION[context ?? 'body'] ?? 'body';
  return errors.map((error) => {
    const loc = [prefix, ...pointerToPath(error.instancePath)];
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
        return { loc: [...loc, String(params.missingProperty)], msg: 'Field required', type: 'missing' };
      case 'additionalProperties':
        return {
          loc: [...loc, String(params.additionalProperty)],
          msg: 'Extra inputs are not permitted',
          type: 'extra_forbidden',
        };
      case 'type':
        return { loc, msg: `Input should be a valid ${String(params.type)}`, type: `${String(params.type)}_type` };
      case 'minLength':
        return { loc, msg: `String should have at least ${params.limit} characters`, type: 'string_too_short' };
      case 'maxLength':
        return { loc, msg: `String should have at most ${params.limit} characters`, type: 'string_too_long' };
      case 'minimum':
        return { loc, msg: `Input should be greater than or equal to ${params.limit}`, type: 'greater_than_equal' };
      case 'maximum':
        return { loc, msg: `Input should be less than or equal to ${params.limit}`, type: 'less_than_equal' };
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ');
        return { loc, msg: `Input should be one of ${allowed}`, type: 'enum' };
      }
      case 'format':
        return params.format === 'email'
          ? { loc, msg: 'value is not a valid email address', type: 'value_error' }
          : { loc, msg: `Input should be a valid ${String(params.format)}`, type: 'value_error' };
      case 'pattern': {
        const pattern = String(params.pattern);
        return {
          loc,
          msg: PATTERN_MESSAGES[pattern] ?? `String should match pattern '${pattern}'`,
          type: 'string_pattern_mismatch',
        };
      }
      case 'intParsing':
        return {
          loc,
          msg: 'Input should be a valid integer, unable to parse string as an integer',
          type: 'int_parsing',
        };
      case 'minProperties':
        return { loc, msg: 'At least one field must be given', type: 'missing' };
      default:
        return { loc, msg: error.message ?? 'Input is invalid', type: 'value_error' };
    }
  });
}
