import { Worker } from 'node:worker_threads';
import { walkFolder, type FolderEntry, type FolderWalkOptions } from './folder-walk.js';
import { isReservedKey } from './reserved-match.js';
import { STEP_TYPES, walkSteps } from './walk-steps.js';

/** How a walk on worker threads proceeds: as {@link FolderWalkOptions} says, in batches. */
export interface WorkerWalkOptions extends Omit<FolderWalkOptions, 'chunkSize' | 'share'> {
  /** Entries per message. Default 512. */
  readonly batchSize?: number;
  /**
   * Messages a worker may send ahead of the ones handled: how far the walk runs ahead of a
   * busy or paced consumer, and so the most entries held in memory. Default 64.
   */
  readonly window?: number;
  /**
   * Worker threads that share the walk, each taking part of the names under the root (see
   * {@link walkSteps}). Default 1.
   */
  readonly threads?: number;
  /**
   * When set, the workers start one at a time (the next when the one before is done) until this
   * resolves, and then all the others at once: a walk that starts beside a busy thread (the
   * token file being parsed) takes one core until that thread is free, and every core after.
   */
  readonly moreThreadsAfter?: Promise<void>;
}

/**
 * The worker's program: {@link walkSteps} and {@link isReservedKey} by their source text, the
 * entries of its share of the walk posted in batches (keys joined by NUL, sizes and mtimes as
 * Float64Arrays, types as bytes), paced by credits in shared memory: `state[0]` is the number
 * of batches it may still send, `state[1]` set means stop.
 */
const WORKER_SOURCE = `
// Compilers that keep function names (esbuild's keepNames, as tsx runs it) call __name in the
// functions' text; here names do not matter.
var __name = (target) => target;
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const walkSteps = (${walkSteps.toString()});
const isReservedKey = (${isReservedKey.toString()});
const { root, reserved, batchSize, share, state: shared } = workerData;
const state = new Int32Array(shared);
const skipDir = reserved.length === 0 ? undefined : (key) => isReservedKey(reserved, key);
let keys = [], entered = [], sizes = new Float64Array(batchSize), mtimes = new Float64Array(batchSize), types = new Uint8Array(batchSize), n = 0;
function send() {
  for (;;) {
    const credits = Atomics.load(state, 0);
    if (credits > 0 || Atomics.load(state, 1) !== 0) break;
    // Sleeps only while the credits are still what was just read: a credit given in between wakes it.
    Atomics.wait(state, 0, credits, 1000);
  }
  if (Atomics.load(state, 1) !== 0) return false;
  Atomics.sub(state, 0, 1);
  const batch = { keys: keys.join('\\0'), entered, sizes: sizes.slice(0, n), mtimes: mtimes.slice(0, n), types: types.slice(0, n), count: n };
  parentPort.postMessage(batch, [batch.sizes.buffer, batch.mtimes.buffer, batch.types.buffer]);
  keys = []; entered = []; n = 0;
  return true;
}
try {
  let going = true;
  for (const step of walkSteps(fs, root, skipDir, share)) {
    if (step.enter) { entered.push(step.key); continue; }
    keys.push(step.key); sizes[n] = step.size; mtimes[n] = step.mtimeMs; types[n] = step.t; n += 1;
    if (n === batchSize && !(going = send())) break;
  }
  if (going && (n > 0 || entered.length > 0)) going = send();
  if (going) parentPort.postMessage({ done: true });
} catch (error) {
  parentPort.postMessage({ error: { message: String(error && error.message || error), code: error && error.code } });
}
`;

interface Batch {
  readonly keys: string;
  readonly entered: readonly string[];
  readonly sizes: Float64Array;
  readonly mtimes: Float64Array;
  readonly types: Uint8Array;
  readonly count: number;
}

/** One share of the walk: its worker (null once walked on this thread instead) and its credits. */
interface ShareRun {
  worker: Worker | null;
  readonly state: Int32Array;
}

type WorkerMessage = Batch | { readonly done: true } | { readonly error: { readonly message: string; readonly code?: string } };

/**
 * The walk of {@link walkFolder}, done on worker threads: the `lstat` calls (the bulk of a
 * walk's time) run beside this thread instead of on it, so a consumer here (the token file
 * being parsed, deletions being handed to the thread pool) keeps going meanwhile, and with
 * `threads` above 1 they are split between several workers, each walking its share of the
 * tree. Entries arrive in batches and `visit`, `enter` and `between` are called here, one batch
 * after the other; with one worker in walk order, with more the shares' orders interleave.
 * Each worker stays at most `window` batches ahead. A share whose worker cannot be started is
 * walked on this thread instead.
 */
export function walkInWorker(root: string, visit: (entry: FolderEntry) => void, options: WorkerWalkOptions = {}): Promise<void> {
  const reserved = [...(options.reserved ?? [])];
  const batchSize = options.batchSize ?? 512;
  const window = options.window ?? 64;
  const threads = options.threads ?? 1;
  const parts = Number.isFinite(threads) ? Math.max(1, Math.floor(threads)) : 1;
  const stopped = options.stopped ?? (() => false);

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let running = parts;
    const shares: ShareRun[] = [];
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      for (const { worker, state } of shares) {
        Atomics.store(state, 1, 1);
        Atomics.notify(state, 0);
        void worker?.terminate();
      }
      if (error === undefined) resolve();
      else reject(error);
    };
    // Shares from `next` on are not started yet; before `moreThreadsAfter`, the next starts when one is done.
    let next = 0;
    let gateOpen = false;
    const startNext = (): void => {
      if (next >= parts || settled) return;
      const part = next;
      next += 1;
      startShare(part);
    };
    const startAll = (): void => {
      gateOpen = true;
      while (next < parts && !settled) startNext();
    };
    const shareDone = (): void => {
      running -= 1;
      if (running === 0) finish();
    };
    // A walker is free (its share walked, though maybe not yet handled here): before the gate
    // opens, the next share starts on it.
    const walkerFree = (): void => {
      if (!gateOpen) startNext();
    };
    // Batches of every share are handled one after the other, in arrival order, even when `between` makes one wait.
    let queue: Promise<void> = Promise.resolve();
    const fail = (error: unknown): void => finish(error instanceof Error ? error : new Error(String(error)));

    const startShare = (part: number): void => {
      const share = { part, parts };
      const shared = new SharedArrayBuffer(8);
      const state = new Int32Array(shared);
      state[0] = window;
      const entry: ShareRun = { worker: null, state };
      shares.push(entry);
      // Without a worker, this share is walked here, beside the others; a stop ends the whole walk.
      const onThisThread = (): void => {
        queue = queue
          .then(async () => {
            if (settled) return;
            if (stopped()) return finish();
            await walkFolder(root, visit, { ...options, share, stopped: () => settled || stopped() });
            if (stopped()) return finish();
            shareDone();
            walkerFree();
          })
          .catch(fail);
      };
      let worker: Worker;
      try {
        // No execArgv of the host (a TypeScript loader, --input-type, profiling flags): the source is plain CommonJS.
        worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { root, reserved, batchSize, share, state: shared }, stdout: false, stderr: false });
      } catch {
        onThisThread();
        return;
      }
      entry.worker = worker;
      let received = false;
      let done = false;
      const handle = async (message: WorkerMessage): Promise<void> => {
        if (settled) return;
        if ('done' in message) {
          done = true;
          return shareDone();
        }
        if ('error' in message) return finish(Object.assign(new Error(message.error.message), message.error.code === undefined ? {} : { code: message.error.code }));
        for (const key of message.entered) options.enter?.(key);
        const keys = message.keys.length === 0 ? [] : message.keys.split('\0');
        for (let i = 0; i < message.count; i += 1) {
          visit({ key: keys[i] as string, size: message.sizes[i] as number, mtimeMs: message.mtimes[i] as number, type: STEP_TYPES[message.types[i] as number] as FolderEntry['type'] });
        }
        if (stopped()) return finish();
        await options.between?.();
        if (stopped()) return finish();
        Atomics.add(state, 0, 1);
        Atomics.notify(state, 0);
      };
      worker.on('message', (message: WorkerMessage) => {
        received = true;
        if ('done' in message) walkerFree();
        queue = queue.then(() => handle(message)).catch(fail);
      });
      worker.on('error', (error) => {
        if (settled) return;
        if (!received) {
          // The worker could not run at all: walk its share here instead.
          entry.worker = null;
          void worker.terminate();
          onThisThread();
          return;
        }
        finish(error);
      });
      worker.on('exit', () => {
        // A worker that ends without its last word (killed from outside): the walk is incomplete.
        void queue.then(() => {
          if (!done && entry.worker !== null) finish(new Error(`the folder walk of ${root} stopped before it was done`));
        });
      });
    };

    if (options.moreThreadsAfter === undefined) startAll();
    else {
      startNext();
      options.moreThreadsAfter.then(startAll, startAll);
    }
  });
}
