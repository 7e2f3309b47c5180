import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventValidatorsSource } from '../../scripts/event-validators-source.js';
import { checkEvent, createAjv, eventSchema, EVENT_TYPES, isoUtc } from '../../src/kernel/index.js';
import { formatAjvErrors } from '../../src/kernel/validation.js';
import { newEventArb } from '../stores/file-journal/event-arbitraries.js';

const GENERATED = resolve(import.meta.dirname, '..', '..', 'src', 'kernel', 'event-validators.generated.ts');

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
    expect(readFileSync(GENERATED, 'utf8')).toBe(eventValidatorsSource());
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
