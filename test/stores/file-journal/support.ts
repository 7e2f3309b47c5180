import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock, DomainEvent, JournalEntry } from '../../../src/kernel/index.js';
import { checkEvent } from '../../../src/kernel/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

/** A fresh temp folder; `cleanup` removes it. */
export async function tempFolder(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'reclaim-journal-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A clock standing still, so two journals give the same `at`. */
export function fixedClock(iso = '2025-03-01T12:00:00.000Z'): Clock {
  const ms = Date.parse(iso);
  return { now: () => ms };
}

/** Collects everything a journal read yields. */
export async function collect(entries: AsyncIterable<JournalEntry>): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const entry of entries) out.push(entry);
  return out;
}

/** The events among entries. */
export function eventsOf(entries: readonly JournalEntry[]): DomainEvent[] {
  return entries.flatMap((entry) => (entry.kind === 'event' ? [entry.event] : []));
}

/** The invalid entries among entries. */
export function invalidOf(entries: readonly JournalEntry[]): { position: number; reason: string }[] {
  return entries.flatMap((entry) => (entry.kind === 'invalid' ? [{ position: entry.position, reason: entry.reason }] : []));
}

/**
 * Reads the journal file straight from disk and checks it the hard way: every line ends with a
 * newline, parses, is a valid event, and seqs strictly increase. Returns the events.
 */
export async function parseWholeFile(path: string): Promise<DomainEvent[]> {
  const text = await readFile(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) throw new Error(`${path} does not end with a newline`);
  const events: DomainEvent[] = [];
  for (const [index, line] of text.split('\n').slice(0, -1).entries()) {
    const check = checkEvent(JSON.parse(line));
    if (!check.ok) throw new Error(`line ${index + 1} is not a valid event: ${check.reason}`);
    const previous = events.at(-1);
    if (previous !== undefined && check.event.seq <= previous.seq) throw new Error(`line ${index + 1}: seq does not increase`);
    events.push(check.event);
  }
  return events;
}

/** A child process running one of the fixture scripts through tsx, with its stdout as lines. */
export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves with the first stdout line matching `test`. */
  waitFor(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts `fixtures/<script>` in a real Node process. */
export function startFixture(script: string, args: readonly string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', script), ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let errors = '';
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on('close', (code, signal) => resolveExit({ code, signal }));
  });
  return {
    process: child,
    lines,
    exited,
    stderr: () => errors,
    waitFor(test, timeoutMs = 20_000) {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolveLine, reject) => {
        const timer = setTimeout(() => reject(new Error(`child did not print the expected line; stderr:\n${errors}`)), timeoutMs);
        waiters.push({
          test,
          resolve: (line) => {
            clearTimeout(timer);
            resolveLine(line);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`child exited before printing the expected line; stderr:\n${errors}`));
        });
      });
    },
  };
}
