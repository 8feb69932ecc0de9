import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The OpenAPI 3.0 document read as the fuzzer's contract: its operations, and validators for what each one
 * takes and answers. Schemas are converted to JSON Schema draft-07 (`nullable` becomes a null type, keywords
 * only OpenAPI knows are dropped) and checked with Ajv, independently of the schemas the server compiled.
 */

export type JsonSchema = { [key: string]: unknown };
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type Location = 'path' | 'query' | 'header';

export interface ParameterSpec {
  name: string;
  in: Location;
  /** Required and without a default: see `isRequired`. */
  required: boolean;
  schema: JsonSchema;
}

export interface MediaSpec {
  mediaType: string;
  schema: JsonSchema | undefined;
}

export interface Operation {
  /** "GET /api/tickets/{ticket_id}": how reports name it. */
  id: string;
  method: HttpMethod;
  path: string;
  parameters: ParameterSpec[];
  body: { required: boolean; media: MediaSpec[] } | undefined;
  /** Status code ("200", "4XX" or "default") → the media types documented for it. */
  responses: Map<string, MediaSpec[]>;
  /** "required": a bearer token; "optional": anonymous or a valid token; "none": public. */
  auth: 'none' | 'optional' | 'required';
}

const METHODS: HttpMethod[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

/** Keywords of OpenAPI's schema dialect that JSON Schema does not have (or means differently). */
const OPENAPI_ONLY = new Set(['nullable', 'example', 'xml', 'externalDocs', 'discriminator', 'deprecated']);

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** OpenAPI 3.0 schema → JSON Schema draft-07. `$ref`s to components are resolved inline. */
export function toJsonSchema(schema: unknown, components: JsonSchema = {}, depth = 0): JsonSchema {
  if (!isObject(schema)) return {};
  if (depth > 50) throw new Error('schema nested too deeply (a $ref cycle?)');
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '');
    return toJsonSchema(components[name], components, depth + 1);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (OPENAPI_ONLY.has(key)) continue;
    if (key === 'format' && (value === 'binary' || value === 'byte')) continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub, components, depth + 1)]),
      );
    } else if ((key === 'items' || key === 'not' || key === 'additionalProperties') && isObject(value)) {
      out[key] = toJsonSchema(value, components, depth + 1);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((sub) => toJsonSchema(sub, components, depth + 1));
    } else {
      out[key] = value;
    }
  }
  if (schema.nullable !== true) return out;
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (out.type === undefined && out.enum === undefined) return { anyOf: [out, { type: 'null' }] };
  return out;
}

/**
 * Reads every operation. A parameter that is `required` but has a `default` counts as optional: the server
 * fills the default in, and OpenAPI says a default only has meaning for optional parameters.
 */
export function readOperations(document: unknown): Operation[] {
  if (!isObject(document) || !isObject(document.paths)) throw new Error('not an OpenAPI document');
  const components =
    isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : {};
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method.toLowerCase()];
      if (!isObject(op)) continue;
      const parameters = [...asArray(item.parameters), ...asArray(op.parameters)]
        .filter(isObject)
        .filter((p) => p.in === 'path' || p.in === 'query' || p.in === 'header')
        .map((p): ParameterSpec => {
          const schema = toJsonSchema(p.schema, components);
          return { name: String(p.name), in: p.in as Location, required: isRequired(p.required, schema), schema };
        });
      const requestBody = isObject(op.requestBody) ? op.requestBody : undefined;
      const responses = new Map<string, MediaSpec[]>();
      for (const [status, response] of Object.entries(isObject(op.responses) ? op.responses : {})) {
        responses.set(status, media(isObject(response) ? response.content : undefined, components));
      }
      const security = Array.isArray(op.security) ? op.security : asArray(document.security);
      const auth =
        security.length === 0
          ? 'none'
          : security.some((s) => isObject(s) && Object.keys(s).length === 0)
            ? 'optional'
            : 'required';
      operations.push({
        id: `${method} ${path}`,
        method,
        path,
        parameters,
        body: requestBody
          ? { required: requestBody.required === true, media: media(requestBody.content, components) }
          : undefined,
        responses,
        auth,
      });
    }
  }
  return operations;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isRequired(required: unknown, schema: JsonSchema): boolean {
  return required === true && schema.default === undefined;
}

function media(content: unknown, components: JsonSchema): MediaSpec[] {
  if (!isObject(content)) return [];
  return Object.entries(content).map(([mediaType, spec]) => ({
    mediaType,
    schema: isObject(spec) && spec.schema !== undefined ? toJsonSchema(spec.schema, components) : undefined,
  }));
}

const parameterSchemas = new WeakMap<Operation, Map<Location, JsonSchema>>();

/**
 * An object schema for one location's parameters, the way a server sees them (all names, one object).
 * The same object every time, so its compiled validator is reused.
 */
export function parametersSchema(operation: Operation, location: Location): JsonSchema {
  const byLocation = parameterSchemas.get(operation) ?? new Map<Location, JsonSchema>();
  parameterSchemas.set(operation, byLocation);
  const cached = byLocation.get(location);
  if (cached) return cached;
  const params = operation.parameters.filter((p) => p.in === location);
  const schema: JsonSchema = {
    type: 'object',
    properties: Object.fromEntries(
      params.map((p) => [location === 'header' ? p.name.toLowerCase() : p.name, p.schema]),
    ),
    required: params.filter((p) => p.required).map((p) => (location === 'header' ? p.name.toLowerCase() : p.name)),
  };
  byLocation.set(location, schema);
  return schema;
}

const lenient = new WeakMap<JsonSchema, JsonSchema>();

/**
 * Drops `required` names whose property has a default: like parameters, the server fills them in. The same
 * object for the same schema, so its compiled validator is reused.
 */
export function withDefaultsOptional(schema: JsonSchema): JsonSchema {
  const cached = lenient.get(schema);
  if (cached) return cached;
  const out = defaultsOptional(schema);
  lenient.set(schema, out);
  return out;
}

function defaultsOptional(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (isObject(out.properties)) {
    const properties = out.properties;
    out.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, defaultsOptional(asSchema(v))]));
    if (Array.isArray(out.required)) {
      out.required = out.required.filter((name) => {
        const property = properties[String(name)];
        return !(isObject(property) && property.default !== undefined);
      });
    }
  }
  return out;
}

const asSchema = (value: unknown): JsonSchema => (isObject(value) ? value : {});

function makeAjv(coerceTypes: boolean | 'array'): Ajv {
  // The server's own options: text (query, path, headers) is coerced, JSON bodies are not.
  const ajv = new Ajv({ coerceTypes, useDefaults: true, strict: false, allErrors: false, validateFormats: true });
  addFormats.default(ajv);
  return ajv;
}

/** Compiled validators for the document, cached per schema object. */
export class ContractValidator {
  private readonly forText = makeAjv('array');
  private readonly forJson = makeAjv(false);
  private readonly cache = new Map<JsonSchema, ValidateFunction>();
  private readonly textCache = new Map<JsonSchema, ValidateFunction>();

  /** Request bodies and response bodies: typed JSON, no coercion. */
  json(schema: JsonSchema): ValidateFunction {
    let validate = this.cache.get(schema);
    if (!validate) {
      validate = this.forJson.compile(schema);
      this.cache.set(schema, validate);
    }
    return validate;
  }

  /**
   * Path, query and header values: text, coerced to the schema's type first. An integer's text is decimal
   * digits, as the server holds it to (src/lib/validation.ts): `1e3`, `0x10` or `1 ` is not an integer,
   * although Ajv's coercion alone would read one.
   */
  text(schema: JsonSchema): ValidateFunction {
    let validate = this.textCache.get(schema);
    if (!validate) {
      validate = decimalIntegers(schema, this.forText.compile(schema));
      this.textCache.set(schema, validate);
    }
    return validate;
  }

  /**
   * True when `value` passes; undefined when it is too deeply nested to tell. Coercion and defaults change
   * the value in place: pass a value that is not used afterwards.
   */
  check(validate: ValidateFunction, value: unknown): boolean | undefined {
    try {
      return validate(value) === true;
    } catch (error) {
      if (error instanceof RangeError) return undefined;
      throw error;
    }
  }

  errorsText(validate: ValidateFunction): string {
    return (validate.errors ?? [])
      .slice(0, 3)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)
      .join('; ');
  }
}

const isIntegerSchema = (schema: unknown): boolean =>
  isObject(schema) &&
  (schema.type === 'integer' ||
    (Array.isArray(schema.type) && schema.type.includes('integer')) ||
    (schema.type === 'array' && isIntegerSchema(schema.items)) ||
    [schema.anyOf, schema.oneOf].some((branches) => Array.isArray(branches) && branches.some(isIntegerSchema)));

const isDecimalText = (value: unknown): boolean =>
  value === undefined ||
  typeof value === 'number' ||
  (Array.isArray(value) ? value.every(isDecimalText) : typeof value === 'string' && /^[0-9]+$/.test(value));

/** `validate`, refusing integer fields whose text is not decimal digits (checked before coercion). */
function decimalIntegers(schema: JsonSchema, validate: ValidateFunction): ValidateFunction {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const integers = Object.keys(properties).filter((name) => isIntegerSchema(properties[name]));
  if (integers.length === 0) return validate;
  const wrapped = ((data: unknown) => {
    const spelled = integers.find((name) => !isDecimalText(isObject(data) ? data[name] : undefined));
    const valid = validate(data);
    wrapped.errors = validate.errors;
    if (!valid) return false;
    if (spelled === undefined) return true;
    wrapped.errors = [
      { instancePath: `/${spelled}`, schemaPath: '', keyword: 'int_parsing', params: {}, message: 'is not decimal' },
    ];
    return false;
  }) as ValidateFunction;
  return wrapped;
}
