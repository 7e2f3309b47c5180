import { type Observable, of } from 'rxjs';
import type { Decision, Policy, StoredRecord, Target, Usage } from '../kernel/index.js';
import { recordBytes, recordTarget } from './expiry.js';
import { planOverRecords } from './plan-over-records.js';

/** Options of the emergency policy. */
export interface EmergencyOptions {
  /** The storage limit in bytes (`maxStorageMB` × 1,048,576). */
  readonly limitBytes: number;
  /**
   * `over-limit` (server): runs when usage is above the limit.
   * `threshold` (browser): runs when usage reaches `thresholdPercent` of the limit, or the
   * origin's usage reaches it of the quota.
   */
  readonly trigger: 'over-limit' | 'threshold';
  readonly thresholdPercent: number;
  /**
   * `low-water` (server): evict until usage is at or below `lowWaterPercent` of the limit.
   * `free-fraction` (browser): evict until `freePercent` of the current usage is freed.
   */
  readonly target: 'low-water' | 'free-fraction';
  readonly lowWaterPercent: number;
  readonly freePercent: number;
  /** Items younger than this (by creation) are protected. */
  readonly minAgeMinutes: number;
  /** Age order: by creation time (server) or by last access, else creation (browser). */
  readonly orderBy: 'createdAt' | 'lastAccess';
}

/** JSON Schema of {@link EmergencyOptions}. */
export const EMERGENCY_OPTIONS_SCHEMA = {
  type: 'object',
  required: ['limitBytes'],
  properties: {
    limitBytes: { type: 'number', exclusiveMinimum: 0 },
    trigger: { enum: ['over-limit', 'threshold'], default: 'over-limit' },
    thresholdPercent: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 90 },
    target: { enum: ['low-water', 'free-fraction'], default: 'low-water' },
    lowWaterPercent: { type: 'number', minimum: 0, maximum: 100, default: 80 },
    freePercent: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 20 },
    minAgeMinutes: { type: 'number', minimum: 0, default: 10 },
    orderBy: { enum: ['createdAt', 'lastAccess'], default: 'createdAt' },
  },
  additionalProperties: false,
} as const;

/** One eviction candidate: an age key and the bytes its removal frees. */
export interface EvictionCandidate {
  readonly id: string;
  readonly age: number;
  readonly bytes: number;
}

/** The result of an oldest-first selection. */
export interface EvictionPlan {
  /** Evicted ids, oldest first. */
  readonly evicted: readonly string[];
  readonly freedBytes: number;
  /** Bytes still over the target after every candidate was taken (0 when the target is met). */
  readonly shortfallBytes: number;
}

/** Orders candidates oldest first: smaller age key first, ties by id. */
export function compareCandidates(a: EvictionCandidate, b: EvictionCandidate): number {
  return a.age - b.age || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Oldest-first selection: takes candidates in age order until usage is at or below the target.
 * It stops at the first candidate that reaches the target, so nothing is evicted needlessly;
 * when all candidates are not enough, the shortfall is reported.
 */
export function selectEvictions(candidates: readonly EvictionCandidate[], usedBytes: number, targetBytes: number): EvictionPlan {
  const evicted: string[] = [];
  let used = usedBytes;
  if (used <= targetBytes) return { evicted, freedBytes: 0, shortfallBytes: 0 };
  const ordered = [...candidates].sort(compareCandidates);
  for (const candidate of ordered) {
    if (used <= targetBytes) break;
    evicted.push(candidate.id);
    used -= candidate.bytes;
  }
  return { evicted, freedBytes: usedBytes - used, shortfallBytes: Math.max(0, used - targetBytes) };
}

/** Whether the policy runs and what it aims for. */
export function assessPressure(usage: Usage, options: EmergencyOptions): { triggered: boolean; targetBytes: number; reason: string } {
  const used = usage.usedBytes;
  if (options.trigger === 'over-limit') {
    const triggered = used > options.limitBytes;
    const targetBytes = Math.floor((options.limitBytes * options.lowWaterPercent) / 100);
    return { triggered, targetBytes, reason: `usage ${used} B is above the limit of ${options.limitBytes} B` };
  }
  const threshold = options.thresholdPercent / 100;
  const byLimit = used >= options.limitBytes * threshold;
  const origin = usage.originUsageBytes;
  const quota = usage.quotaBytes;
  const byQuota = origin != null && quota != null && quota > 0 && origin >= quota * threshold;
  const targetBytes =
    options.target === 'free-fraction'
      ? Math.max(0, used - Math.ceil((used * options.freePercent) / 100))
      : Math.floor((options.limitBytes * options.lowWaterPercent) / 100);
  const reason = byLimit
    ? `sessions use ${used} B, at least ${options.thresholdPercent}% of ${options.limitBytes} B`
    : `the origin uses ${String(origin)} B, at least ${options.thresholdPercent}% of its quota of ${String(quota)} B`;
  return { triggered: byLimit || byQuota, targetBytes, reason };
}

/** The full emergency decision over a set of records. Pure; exported for property tests. */
export function planEmergency(records: readonly StoredRecord[], usage: Usage, now: number, options: EmergencyOptions): Decision[] {
  const pressure = assessPressure(usage, options);
  if (!pressure.triggered) return [];
  const decisions: Decision[] = [
    { kind: 'pressure', usedBytes: usage.usedBytes, targetBytes: pressure.targetBytes, reason: pressure.reason },
  ];
  const minAgeMs = options.minAgeMinutes * 60_000;
  const candidates: EvictionCandidate[] = [];
  const byId = new Map<string, StoredRecord>();
  const sharedIds = new Set<string>();
  const fileUsers = new Map<string, number>();
  for (const record of records) {
    if (record.file?.key !== undefined) fileUsers.set(record.file.key, (fileUsers.get(record.file.key) ?? 0) + 1);
  }
  for (const record of records) {
    const age = options.orderBy === 'lastAccess' ? (record.lastAccessAt ?? record.createdAt) : record.createdAt;
    if (record.protectedBy !== undefined) {
      decisions.push({ kind: 'skip', target: { kind: 'record', id: record.id }, reason: 'protected', detail: record.protectedBy });
      continue;
    }
    if (age === undefined) continue;
    if (record.createdAt !== undefined && now - record.createdAt < minAgeMs) {
      decisions.push({ kind: 'skip', target: { kind: 'record', id: record.id }, reason: 'protected', detail: 'younger than the minimum age' });
      continue;
    }
    // A file-backed record whose file is missing or outside the root frees nothing here.
    if (record.file !== undefined && !(record.file.inRoot && record.file.exists)) continue;
    // A file shared by several records is freed only with the last of them.
    const shared = record.file?.key !== undefined && (fileUsers.get(record.file.key) ?? 0) > 1;
    if (shared) sharedIds.add(record.id);
    candidates.push({ id: record.id, age, bytes: shared ? 0 : recordBytes(record, recordTarget(record, false)) });
    byId.set(record.id, record);
  }
  const plan = selectEvictions(candidates, usage.usedBytes, pressure.targetBytes);
  const bytesOf = new Map(candidates.map((c) => [c.id, c.bytes]));
  for (const id of plan.evicted) {
    const record = byId.get(id) as StoredRecord;
    const target: Target = recordTarget(record, sharedIds.has(id));
    decisions.push({ kind: 'delete', target, reason: 'emergency', bytes: bytesOf.get(id) ?? 0 });
  }
  return decisions;
}

/**
 * The emergency policy: when storage runs short, evicts the oldest unprotected records (with
 * their files) until usage reaches the target, reporting any shortfall.
 */
export const emergencyPolicy: Policy<EmergencyOptions> = {
  name: 'emergency',
  optionsSchema: EMERGENCY_OPTIONS_SCHEMA,
  observes: ['records'],
  plan: ({ storage$, source, usage, now, options }): Observable<Decision> => {
    if (source.status === 'unreadable') {
      return of({ kind: 'suspend', reason: `the token database cannot be read (${source.reason}); eviction waits until it can` });
    }
    return planOverRecords(storage$, (records) => planEmergency(records, usage, now, options));
  },
};

/** Emergency options for the server preset (SPEC §3): above the limit, down to 80% of it. */
export function serverEmergencyOptions(maxStorageMB: number, overrides: Partial<EmergencyOptions> = {}): EmergencyOptions {
  return {
    limitBytes: maxStorageMB * 1_048_576,
    trigger: 'over-limit',
    thresholdPercent: 90,
    target: 'low-water',
    lowWaterPercent: 80,
    freePercent: 20,
    minAgeMinutes: 10,
    orderBy: 'createdAt',
    ...overrides,
  };
}

/** Emergency options for the browser preset (SPEC §3): at the threshold, free 20% of sessions' bytes. */
export function browserEmergencyOptions(
  maxStorageMB: number,
  emergencyThresholdPercent: number,
  overrides: Partial<EmergencyOptions> = {},
): EmergencyOptions {
  return {
    limitBytes: maxStorageMB * 1_048_576,
    trigger: 'threshold',
    thresholdPercent: emergencyThresholdPercent,
    target: 'free-fraction',
    lowWaterPercent: 80,
    freePercent: 20,
    minAgeMinutes: 0,
    orderBy: 'lastAccess',
    ...overrides,
  };
}
