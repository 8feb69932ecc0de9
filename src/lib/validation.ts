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
    return (data: unknown) => (validate(data) ? { value: data } : { error: validationError(validate.errors) });
  };
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
      case 'minProperties':
        return { loc, msg: 'At least one field must be given', type: 'missing' };
      default:
        return { loc, msg: error.message ?? 'Input is invalid', type: 'value_error' };
    }
  });
}
