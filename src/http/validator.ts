import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * The plugin's request validator: Fastify's ajv setup (types coerced from query strings,
 * defaults applied) except that unknown parameters and body fields are refused with a 400 that
 * names them, rather than dropped without a word.
 */
export function createRequestValidator(): FastifySchemaCompiler<unknown> {
  const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: true, strict: false, allowUnionTypes: true });
  const cache = new WeakMap<object, ReturnType<Ajv['compile']>>();
  return ({ schema }) => {
    let validate = cache.get(schema as object);
    if (validate === undefined) {
      validate = ajv.compile(schema as Record<string, unknown>);
      cache.set(schema as object, validate);
    }
    return validate;
  };
}
