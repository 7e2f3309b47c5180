import { assertNever, type DomainEvent, type Target } from '../../kernel/index.js';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function target(t: Target): string {
  if (t.kind === 'file') return `file ${t.path}`;
  return t.file === undefined ? `record ${t.id}` : `record ${t.id} with file ${t.file}`;
}

function recovered(flag: boolean): string {
  return flag ? ' (finishing a run that died)' : '';
}

/** A short human sentence for one domain event: the `message` of its log record. */
export function describeEvent(event: DomainEvent): string {
  switch (event.type) {
    case 'RunStarted': {
      const { trigger, dryRun, policies } = event.data;
      return `Cleanup run started (${trigger}${dryRun ? ', dry run' : ''}): ${policies.join(', ') || 'no policies'}`;
    }
    case 'StorageMeasured': {
      const { stage, usedBytes, limitBytes } = event.data;
      return `Storage measured ${stage}: ${bytes(usedBytes)} used${limitBytes === null ? '' : ` of ${bytes(limitBytes)}`}`;
    }
    case 'EntryRejected':
      return `Entry ${event.data.id} rejected and kept: ${event.data.reason}`;
    case 'PolicySuspended':
      return `Policy ${event.data.policy} suspended for this run: ${event.data.reason}`;
    case 'PolicyFailed':
      return `Policy ${event.data.policy} failed: ${event.data.message}`;
    case 'StoreFailed':
      return `Store ${event.data.operation} failed: ${event.data.message}`;
    case 'EmergencyTriggered': {
      const { policy, usedBytes, targetBytes } = event.data;
      return `Emergency eviction by ${policy}: ${bytes(usedBytes)} used, bringing it down to ${bytes(targetBytes)}`;
    }
    case 'DeletionPlanned':
      return `Deletion planned by ${event.data.policy}: ${target(event.data.target)} (${event.data.reason})`;
    case 'ItemDeleted': {
      const { policy, bytesFreed } = event.data;
      return `Deleted ${target(event.data.target)} (${policy}, ${bytes(bytesFreed)} freed)${recovered(event.data.recovered)}`;
    }
    case 'ItemAlreadyGone':
      return `Already gone: ${target(event.data.target)} (${event.data.policy})${recovered(event.data.recovered)}`;
    case 'DeletionFailed':
      return `Could not delete ${target(event.data.target)} (${event.data.policy}): ${event.data.message}`;
    case 'DeletionSkipped':
      return `Skipped ${target(event.data.target)} (${event.data.policy}): ${event.data.reason}${event.data.detail === null ? '' : `, ${event.data.detail}`}`;
    case 'RunCompleted': {
      const { outcome, dryRun, totals, durationMs } = event.data;
      const verb = dryRun ? 'would delete' : 'deleted';
      const failed = totals.failed > 0 ? `, ${totals.failed} failed` : '';
      return `Cleanup run ${outcome}${dryRun ? ' (dry run)' : ''}: ${verb} ${totals.deleted}, freed ${bytes(totals.bytesFreed)}${failed} in ${durationMs} ms`;
    }
    case 'JournalCompacted':
      return `Journal compacted through seq ${event.data.throughSeq}`;
    default:
      return assertNever(event);
  }
}

// Keys winston gives a meaning of its own; a data field of that name is renamed.
const RENAMED: Readonly<Record<string, string>> = { message: 'errorMessage', level: 'dataLevel' };

/**
 * The structured part of an event's log record: `{event: type, seq, at, runId, ...data}`. A
 * data field named like a winston field (`message`) is renamed (`errorMessage`); a compaction
 * lists its projections instead of carrying their whole state.
 */
export function eventLogMeta(event: DomainEvent): Record<string, unknown> {
  const meta: Record<string, unknown> = { event: event.type, seq: event.seq, at: event.at };
  if (event.runId !== undefined) meta.runId = event.runId;
  const data: Record<string, unknown> =
    event.type === 'JournalCompacted'
      ? { throughSeq: event.data.throughSeq, projections: Object.keys(event.data.snapshot) }
      : { ...event.data };
  for (const [key, value] of Object.entries(data)) {
    // A data field never overwrites the envelope (`event`, `seq`, `at`, `runId`).
    const name = RENAMED[key] ?? (key in meta ? `data_${key}` : key);
    meta[name] = value;
  }
  return meta;
}
