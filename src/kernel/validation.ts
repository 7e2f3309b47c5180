import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { configError, type FieldProblem } from './errors.js';

/** A JSON Schema, as ajv takes it. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** How reclaim sets up ajv: defaults applied, every error collected. */
export const AJV_OPTIONS = { allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true } as const;

/** One ajv instance set up for all of reclaim (see {@link AJV_OPTIONS}). */
export function createAjv(): Ajv {
  return new Ajv(AJV_OPTIONS);
}

let shared: Ajv | undefined;
const cache = new WeakMap<object, ValidateFunction>();

/**
 * Hands validators compiled ahead of time (ajv's standalone code, with {@link AJV_OPTIONS}) to
 * {@link validateConfig}, each for the schema object it was compiled from: that schema is then
 * never compiled at run time. Compiling a preset's schemas, and ajv's meta-schema with them,
 * cost the CLI's start ~90 ms.
 */
export function usePrecompiledValidators(pairs: readonly (readonly [JsonSchema, ValidateFunction])[]): void {
  for (const [schema, validate] of pairs) cache.set(schema, validate);
}

function compile(schema: JsonSchema): ReturnType<Ajv['compile']> {
  let validate = cache.get(schema);
  if (validate === undefined) {
    shared ??= createAjv();
    validate = shared.compile(schema as Record<string, unknown>);
    cache.set(schema, validate);
  }
  return validate;
}

function fieldOf(error: ErrorObject, root: string): string {
  const parts = error.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') parts.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') parts.push(String(error.params.additionalProperty));
  const path = parts.join('.');
  if (root === '') return path === '' ? '(root)' : path;
  return path === '' ? root : `${root}.${path}`;
}

function problemOf(error: ErrorObject, value: unknown): { problem: string; fix: string } {
  const p = error.params as Record<string, unknown>;
  const got = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  switch (error.keyword) {
    case 'type':
      return { problem: `must be ${String(p.type)}${got}`, fix: `give a ${String(p.type)}` };
    case 'minimum':
      return { problem: `must be >= ${String(p.limit)}${got}`, fix: `use a value of at least ${String(p.limit)}` };
    case 'exclusiveMinimum':
      return { problem: `must be > ${String(p.limit)}${got}`, fix: `use a value greater than ${String(p.limit)}` };
    case 'maximum':
      return { problem: `must be <= ${String(p.limit)}${got}`, fix: `use a value of at most ${String(p.limit)}` };
    case 'exclusiveMaximum':
      return { problem: `must be < ${String(p.limit)}${got}`, fix: `use a value below ${String(p.limit)}` };
    case 'enum':
      return {
        problem: `must be one of ${JSON.stringify(p.allowedValues)}${got}`,
        fix: `pick one of ${JSON.stringify(p.allowedValues)}`,
      };
    case 'required':
      return { problem: 'is required', fix: 'add it' };
    case 'additionalProperties':
      return { problem: 'is not a known option', fix: 'remove it or check its spelling' };
    case 'minLength':
      return { problem: `must not be shorter than ${String(p.limit)} characters`, fix: 'give a non-empty value' };
    case 'pattern':
      return { problem: `must match ${String(p.pattern)}${got}`, fix: `use the form ${String(p.pattern)}` };
    case 'minItems':
      return { problem: `must have at least ${String(p.limit)} items`, fix: 'add items' };
    default:
      return { problem: `${error.message ?? 'is invalid'}${got}`, fix: 'see the documented options' };
  }
}

function valueAt(data: unknown, instancePath: string): unknown {
  let current: unknown = data;
  for (const part of instancePath.split('/').filter(Boolean)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return current;
}

/** Turns ajv errors into one problem per field, naming the field and the fix. */
export function fieldProblems(errors: readonly ErrorObject[] | null | undefined, data: unknown, root = ''): FieldProblem[] {
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  for (const error of errors ?? []) {
    // `oneOf`/`anyOf`/`if` summaries repeat what their branches already said.
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    const field = fieldOf(error, root);
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, ...problemOf(error, valueAt(data, error.instancePath)) });
  }
  return out;
}

/** Formats ajv errors as `field: problem` strings. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return fieldProblems(errors, undefined).map((f) => `${f.field}: ${f.problem}`);
}

/** Copies plain data (objects, arrays, primitives); other objects are kept by reference. */
export function clonePlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => clonePlain(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = clonePlain(item);
    return out as T;
  }
  return value;
}

/** Deep-freezes a plain value. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * Validates a configuration object once: applies the schema's defaults to a copy, throws one
 * coded error listing every bad field, and returns the result frozen.
 */
export function validateConfig<T>(
  schema: JsonSchema,
  input: unknown,
  options: {
    subject: string;
    root?: string;
    code?: 'RECLAIM_INVALID_CONFIG' | 'RECLAIM_INVALID_POLICY_OPTIONS';
  },
): T {
  const copy: unknown = input === undefined ? {} : clonePlain(input);
  const validate = compile(schema);
  if (!validate(copy)) {
    throw configError(options.code ?? 'RECLAIM_INVALID_CONFIG', options.subject, fieldProblems(validate.errors, copy, options.root));
  }
  return deepFreeze(copy as T);
}
