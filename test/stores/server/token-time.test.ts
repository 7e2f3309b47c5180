import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EPOCH_SECONDS_LIMIT, formatTokenTime, parseTokenTime } from '../../../src/stores/json-file/index.js';

const ms = (value: unknown): number | undefined => {
  const time = parseTokenTime(value);
  return time.ok ? time.ms : undefined;
};

// 1970 … 9999, whole milliseconds.
const instant = fc.integer({ min: 0, max: 253_402_300_799_999 });

describe('token times', () => {
  it('reads every documented form of one instant alike', () => {
    const at = Date.UTC(2025, 8, 7, 2, 21, 7, 123);
    expect(ms('2025-09-07T02:21:07.123456')).toBe(at); // naive, Python microseconds: UTC
    expect(ms('2025-09-07T02:21:07.123Z')).toBe(at);
    expect(ms('2025-09-07 02:21:07.123')).toBe(at);
    expect(ms('2025-09-07T04:21:07.123+02:00')).toBe(at);
    expect(ms('2025-09-07T04:21:07.123+0200')).toBe(at);
    expect(ms('2025-09-06T23:21:07.123-03')).toBe(at);
    expect(ms(at)).toBe(at); // epoch milliseconds
    expect(ms(at / 1000)).toBe(at); // epoch seconds with a fraction
    expect(ms(String(at))).toBe(at); // numeric strings
    expect(ms(` ${at / 1000} `)).toBe(at);
    expect(ms('2025-09-07')).toBe(Date.UTC(2025, 8, 7));
  });

  it('refuses what is not a time, with a problem that can follow a field name', () => {
    for (const bad of ['tomorrow', '', '2025-02-30T00:00:00', '2025-13-01', '2025-09-07T24:00:00', '2025-09-07T10:00:00+25:00', -5, Number.NaN, null, true, {}, []]) {
      const time = parseTokenTime(bad);
      expect(time.ok, String(bad)).toBe(false);
      if (!time.ok) expect(time.problem).toMatch(/^(is|has) /);
    }
  });

  it('round-trips what it writes (naive UTC ISO with microseconds)', () => {
    fc.assert(
      fc.property(instant, (t) => {
        const text = formatTokenTime(t);
        expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
        expect(ms(text)).toBe(t);
      }),
    );
  });

  it('reads an instant the same with Z, with any offset, and naive', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (t, offsetMin) => {
        const iso = new Date(t).toISOString();
        expect(ms(iso)).toBe(t);
        expect(ms(iso.slice(0, -1))).toBe(t);
        const local = new Date(t + offsetMin * 60_000).toISOString().slice(0, -1);
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        // Years outside 0000–9999 after shifting have no 4-digit ISO form.
        fc.pre(/^\d{4}-/.test(local));
        expect(ms(local + offset)).toBe(t);
      }),
    );
  });

  it(`takes epoch numbers below ${EPOCH_SECONDS_LIMIT} as seconds and from it on as milliseconds`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: EPOCH_SECONDS_LIMIT - 1 }), (seconds) => {
        expect(ms(seconds)).toBe(seconds * 1000);
        expect(ms(String(seconds))).toBe(seconds * 1000);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: EPOCH_SECONDS_LIMIT, max: 8.64e15 }), (millis) => {
        expect(ms(millis)).toBe(millis);
      }),
    );
    // Both sides of the threshold are sane dates: 5138 as seconds, 1973 as milliseconds.
    expect(new Date(ms(EPOCH_SECONDS_LIMIT - 1) as number).getUTCFullYear()).toBe(5138);
    expect(new Date(ms(EPOCH_SECONDS_LIMIT) as number).getUTCFullYear()).toBe(1973);
  });

  it('reads the common naive and Z forms as the general reader does, valid or not', () => {
    // Naive and Z times take a fast reader; with an explicit +00:00 the same instant takes the
    // general one. Both must agree on every input, in range or not.
    const d = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`));
    const form = fc.record({
      year: fc.oneof(d(4), fc.constantFrom('0000', '0099', '0100', '2024', '9999')),
      month: fc.oneof(d(2), fc.constantFrom('00', '01', '02', '12', '13')),
      day: fc.oneof(d(2), fc.constantFrom('00', '28', '29', '30', '31', '32')),
      sep: fc.constantFrom('T', 't', ' '),
      hour: fc.oneof(d(2), fc.constantFrom('00', '23', '24')),
      minute: fc.oneof(d(2), fc.constantFrom('59', '60')),
      second: fc.oneof(d(2), fc.constantFrom('59', '60')),
      fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,9}$/), fc.constantFrom('.', ',5')),
    });
    fc.assert(
      fc.property(form, fc.constantFrom('', 'Z', 'z'), (f, zone) => {
        const text = `${f.year}-${f.month}-${f.day}${f.sep}${f.hour}:${f.minute}:${f.second}${f.fraction}`;
        const general = parseTokenTime(`${text}+00:00`);
        const common = parseTokenTime(`${text}${zone}`);
        expect(common.ok).toBe(general.ok);
        if (common.ok && general.ok) expect(common.ms).toBe(general.ms);
        if (!common.ok && !general.ok) expect(common.problem).toBe(general.problem);
      }),
      { numRuns: 3000 },
    );
  });
});

