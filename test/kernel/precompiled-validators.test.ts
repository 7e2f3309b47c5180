import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configValidatorsSource, eventValidatorsSource } from '../../scripts/validators-source.js';
import { checkEvent, createAjv, eventSchema, EVENT_TYPES, fieldProblems, isoUtc } from '../../src/kernel/index.js';
import { formatAjvErrors } from '../../src/kernel/validation.js';
import * as configValidators from '../../src/node/config-validators.generated.js';
import { PRECOMPILED_SCHEMAS } from '../../src/node/precompiled-schemas.js';
import { newEventArb } from '../stores/file-journal/event-arbitraries.js';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

/** Each type's schema compiled now, as the kernel did before the validators were generated. */
const ajv = createAjv();
const compiled = new Map(EVENT_TYPES.map((type) => [type as string, ajv.compile(eventSchema(type))]));

/** What checking with a validator compiled now says. */
function checkCompiledNow(value: Record<string, unknown>): { ok: boolean; reason?: string } {
  const validate = compiled.get(value.type as string);
  if (validate === undefined) return { ok: false, reason: `unknown event type ${JSON.stringify(value.type)}` };
  return validate(value) ? { ok: true } : { ok: false, reason: formatAjvErrors(validate.errors).join('; ') };
}

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, true, -1, 0.5, '', [], {}),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxKeys: 3 }),
);

type Mutation = (event: Record<string, unknown>) => void;

/** Ways a stored line can go wrong: a field of the envelope, of its data or of a target replaced, dropped or added. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>(() => undefined),
  fc.tuple(fc.constantFrom('type', 'v', 'seq', 'at', 'runId', 'data', 'extra'), junk).map(
    ([key, value]): Mutation =>
      (event) => {
        event[key] = value;
      },
  ),
  fc.constantFrom(...EVENT_TYPES).map(
    (type): Mutation =>
      (event) => {
        event.type = type;
      },
  ),
  fc.tuple(fc.nat(), fc.option(junk, { nil: undefined }), fc.boolean()).map(
    ([pick, value, deep]): Mutation =>
      (event) => {
        let data = event.data as Record<string, unknown>;
        if (typeof data !== 'object' || data === null) return;
        if (deep && typeof data.target === 'object' && data.target !== null) data = data.target as Record<string, unknown>;
        const keys = [...Object.keys(data), 'unexpected'];
        const key = keys[pick % keys.length] as string;
        if (value === undefined) delete data[key];
        else data[key] = value;
      },
  ),
);

describe('precompiled event validators', () => {
  it('are what `npm run validators` writes from the event schemas now (run it after changing a schema)', () => {
    expect(readFileSync(join(SRC, 'kernel', 'event-validators.generated.ts'), 'utf8')).toBe(eventValidatorsSource());
  });

  it('are ES modules that run outside vitest: no require() (ajv writes one for a runtime helper)', () => {
    for (const file of [join(SRC, 'kernel', 'event-validators.generated.ts'), join(SRC, 'node', 'config-validators.generated.ts')]) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/\brequire\(/);
    }
    expect(configValidatorsSource()).toMatch(/^import func\d+Module from "ajv\/dist\/runtime\/ucs2length\.js";$/m);
  });

  it('cover every event type', () => {
    for (const type of EVENT_TYPES) {
      const check = checkEvent({ type, v: 1, seq: 1, at: isoUtc(0), data: {} });
      expect(check.ok, type).toBe(false);
      if (!check.ok) expect(check.reason, type).not.toMatch(/unknown event type/);
    }
  });

  it('give the verdict and the reasons a validator compiled now gives, for valid and damaged events alike', () => {
    fc.assert(
      fc.property(newEventArb, fc.array(mutation, { maxLength: 3 }), fc.integer({ min: 1, max: 1e6 }), (event, mutations, seq) => {
        const stored: Record<string, unknown> = JSON.parse(JSON.stringify({ ...event, v: 1, seq, at: isoUtc(seq * 1000) }));
        for (const mutate of mutations) mutate(stored);
        const now = checkCompiledNow(structuredClone(stored));
        const check = checkEvent(structuredClone(stored));
        expect(check.ok).toBe(now.ok);
        if (!check.ok) expect(check.reason).toBe(now.reason);
      }),
      { numRuns: 2000 },
    );
  });
});

/** A value for a configuration field: good ones and every kind of wrong one. */
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, 1, 2, 24, 60, 80, 100, 1024, -1, 0.5, 1e9, Number.MAX_SAFE_INTEGER, '', 'x', '24', true, false, null, [], {}),
  fc.double({ noNaN: true }),
  fc.integer({ min: -10, max: 100_000 }),
  fc.string({ maxLength: 6 }),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
);

/** An options object for a schema: some of its own fields with any values, maybe an unknown one. */
function optionsFor(schema: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
  return fc
    .tuple(fc.subarray(names), fc.array(fieldValue, { minLength: names.length, maxLength: names.length }), fc.option(fc.string({ maxLength: 5 }), { nil: undefined }))
    .map(([chosen, values, unknown]) => {
      const options: Record<string, unknown> = {};
      chosen.forEach((name, i) => {
        options[name] = values[i];
      });
      if (unknown !== undefined && !names.includes(unknown)) options[unknown] = 1;
      return options;
    });
}

describe('precompiled configuration validators (the Node service)', () => {
  it('are what `npm run validators` writes from the schemas now (run it after changing a schema)', () => {
    expect(readFileSync(join(SRC, 'node', 'config-validators.generated.ts'), 'utf8')).toBe(configValidatorsSource());
  });

  it('give the verdict, the field problems and the defaults a validator compiled now gives', () => {
    const precompiled = configValidators as unknown as Record<string, ValidateFunction>;
    for (const [name, schema] of Object.entries(PRECOMPILED_SCHEMAS)) {
      const now = createAjv().compile(schema);
      const ahead = precompiled[name] as ValidateFunction;
      expect(ahead, name).toBeTypeOf('function');
      fc.assert(
        fc.property(optionsFor(schema), (options) => {
          const a = structuredClone(options);
          const b = structuredClone(options);
          const ok = now(a);
          expect(ahead(b), name).toBe(ok);
          // Defaults applied alike, and the same problems named for the same fields.
          expect(b).toEqual(a);
          if (!ok) expect(fieldProblems(ahead.errors, b)).toEqual(fieldProblems(now.errors, a));
        }),
        { numRuns: 400 },
      );
    }
  });
});
