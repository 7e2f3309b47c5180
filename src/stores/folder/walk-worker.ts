import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { sliceWalker, walkFolder, type FolderEntry, type FolderWalkOptions } from './folder-walk.js';
import { isReservedKey } from './reserved-match.js';
import { ROOT_SLICE_NAMES, STEP_TYPES, rootSlices, walkSteps } from './walk-steps.js';

/** How a walk on worker threads proceeds: as {@link FolderWalkOptions} says, in batches. */
export interface WorkerWalkOptions extends Omit<FolderWalkOptions, 'chunkSize'> {
  /** Entries per message. Default 512. */
  readonly batchSize?: number;
  /**
   * Messages a worker may send ahead of the ones handled: how far the walk runs ahead of a
   * busy or paced consumer, and so the most entries held in memory. Default 64.
   */
  readonly window?: number;
  /**
   * Worker threads that share the walk. One lists the root and hands its slices (see
   * {@link rootSlices}: a folder with everything below it, or 128 other names) to the others
   * while they have fewer than two waiting, walking the rest itself. Default 1.
   */
  readonly threads?: number;
  /**
   * When set, only the worker that lists the root walks until this resolves, and then the
   * others join it: a walk that starts beside a busy thread (the token file being parsed) takes
   * one core until that thread is free, and every core after.
   */
  readonly moreThreadsAfter?: Promise<void>;
  /**
   * This thread takes slices too, as one more helper, whenever its event loop is free to
   * receive one (at most two waiting), walking each in chunks of 256 entries with a turn of the
   * event loop between. For walks nobody here paces: a consumer that keeps this thread busy
   * (deletions) leaves the walking to the workers. Default false.
   */
  readonly helpHere?: boolean;
}

/** Slices a helper may have waiting before the lister walks the next one itself. */
const BACKLOG = 2;

/**
 * The workers' program: {@link rootSlices}, {@link walkSteps} and {@link isReservedKey} by
 * their source text. The lister (no `helper` index) lists the root; each helper receives
 * slices on its port. Shared memory coordinates them (`deal`): `[0]` changes at every slice
 * handed out and when the listing ends, `[1]` set means the root is listed; for helper `h`,
 * `[2 + 3h]` counts the slices handed to it, `[3 + 3h]` those it has walked, and `[4 + 3h]` is
 * set once it waits for slices (none are handed to it before). Every worker posts its entries
 * in batches (keys joined by NUL, sizes and mtimes as Float64Arrays, types as bytes), paced by
 * its credits (`state[0]`: batches it may still send; `state[1]` set means stop).
 */
const WORKER_SOURCE = `
// Compilers that keep function names (esbuild's keepNames, as tsx runs it) call __name in the
// functions' text; here names do not matter.
var __name = (target) => target;
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const fs = require('node:fs');
const rootSlices = (${rootSlices.toString()});
const walkSteps = (${walkSteps.toString()});
const isReservedKey = (${isReservedKey.toString()});
const { root, reserved, batchSize, sliceNames, backlog, helper, ports, state: shared, deal: dealt } = workerData;
const state = new Int32Array(shared);
const deal = new Int32Array(dealt);
const skipDir = reserved.length === 0 ? undefined : (key) => isReservedKey(reserved, key);
let keys = [], entered = [], sizes = new Float64Array(batchSize), mtimes = new Float64Array(batchSize), types = new Uint8Array(batchSize), n = 0;
const stopping = () => Atomics.load(state, 1) !== 0;
function send() {
  for (;;) {
    const credits = Atomics.load(state, 0);
    if (credits > 0 || stopping()) break;
    // Sleeps only while the credits are still what was just read: a credit given in between wakes it.
    Atomics.wait(state, 0, credits, 1000);
  }
  if (stopping()) return false;
  Atomics.sub(state, 0, 1);
  const batch = { keys: keys.join('\\0'), entered, sizes: sizes.slice(0, n), mtimes: mtimes.slice(0, n), types: types.slice(0, n), count: n };
  parentPort.postMessage(batch, [batch.sizes.buffer, batch.mtimes.buffer, batch.types.buffer]);
  keys = []; entered = []; n = 0;
  return true;
}
// Walks one slice of the root; false once told to stop.
function walk(names) {
  for (const step of walkSteps(fs, root, skipDir, names)) {
    if (step.enter) { entered.push(step.key); continue; }
    keys.push(step.key); sizes[n] = step.size; mtimes[n] = step.mtimeMs; types[n] = step.t; n += 1;
    if (n === batchSize && !send()) return false;
  }
  return true;
}
function wake() {
  Atomics.add(deal, 0, 1);
  Atomics.notify(deal, 0);
}
// The lister hands a slice to the first helper that waits with fewer than backlog slices.
function handOut(names) {
  for (let h = 0; h < ports.length; h += 1) {
    if (Atomics.load(deal, 4 + 3 * h) === 0 || Atomics.load(deal, 2 + 3 * h) - Atomics.load(deal, 3 + 3 * h) >= backlog) continue;
    ports[h].postMessage(names);
    Atomics.add(deal, 2 + 3 * h, 1);
    wake();
    return true;
  }
  return false;
}
function listAndWalk() {
  try {
    for (const names of rootSlices(fs, root, sliceNames)) {
      if (stopping()) return false;
      if (!handOut(names) && !walk(names)) return false;
    }
    return true;
  } finally {
    Atomics.store(deal, 1, 1);
    wake();
  }
}
function helpWalk() {
  const port = ports[0];
  Atomics.store(deal, 4 + 3 * helper, 1);
  for (;;) {
    // Read first: a slice handed out or the listing ending after this changes it, and the wait below returns at once.
    const seen = Atomics.load(deal, 0);
    const got = receiveMessageOnPort(port);
    if (got !== undefined) {
      const going = walk(got.message);
      Atomics.add(deal, 3 + 3 * helper, 1);
      if (!going) return false;
      continue;
    }
    if (stopping()) return false;
    // The listed flag before the counters: the lister counts every slice it hands out before it
    // sets the flag, so once the flag is seen the count is final (read the other way round, a
    // slice handed out in between would be left unwalked).
    const listed = Atomics.load(deal, 1) !== 0;
    const waiting = Atomics.load(deal, 2 + 3 * helper) - Atomics.load(deal, 3 + 3 * helper);
    if (waiting === 0 && listed) return true;
    Atomics.wait(deal, 0, seen, waiting === 0 ? 1000 : 1);
  }
}
try {
  let going = helper === undefined ? listAndWalk() : helpWalk();
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

type WorkerMessage = Batch | { readonly done: true } | { readonly error: { readonly message: string; readonly code?: string } };

/**
 * The walk of {@link walkFolder}, done on worker threads: the `lstat` calls (the bulk of a
 * walk's time) run beside this thread instead of on it, so a consumer here (the token file
 * being parsed, deletions being handed to the thread pool) keeps going meanwhile, and with
 * `threads` above 1 they are split between several workers. One worker lists the root, once,
 * and hands its slices to the others as they are free to take them, walking the rest itself,
 * so the split follows each thread's pace and each name is walked by exactly one of them.
 * Entries arrive in batches and `visit`, `enter` and `between` are called here, one batch after
 * the other; with one worker in walk order, with more the workers' batches interleave. Each
 * worker stays at most `window` batches ahead. When the listing worker cannot start, the walk
 * runs on this thread instead; a helper that cannot start leaves its part to the others.
 */
export function walkInWorker(root: string, visit: (entry: FolderEntry) => void, options: WorkerWalkOptions = {}): Promise<void> {
  const reserved = [...(options.reserved ?? [])];
  const batchSize = options.batchSize ?? 512;
  const window = options.window ?? 64;
  const threads = options.threads ?? 1;
  const helpers = Number.isFinite(threads) ? Math.max(1, Math.floor(threads)) - 1 : 0;
  const stopped = options.stopped ?? (() => false);
  // This thread, when it helps, is the helper after the workers.
  const slots = helpers + (options.helpHere === true ? 1 : 0);

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const workers: { readonly worker: Worker; readonly state: Int32Array }[] = [];
    // Workers started that have not yet said they are done.
    let running = 0;
    let listerDone = false;
    // Whether any batch has been handed to `visit`: until then a walk can still start over here.
    let delivered = false;
    // Set once the walk runs on this thread instead: the workers' last messages and exits no longer count.
    let here = false;
    // Tells every worker to stop (waking one that waits for credits) and ends it.
    const stopWorkers = (): void => {
      for (const { worker, state } of workers) {
        Atomics.store(state, 1, 1);
        Atomics.notify(state, 0);
        void worker.terminate();
      }
      closePorts();
    };
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      stopWorkers();
      if (error === undefined) resolve();
      else reject(error);
    };
    const fail = (error: unknown): void => finish(error instanceof Error ? error : new Error(String(error)));
    // Batches of every worker are handled one after the other, in arrival order, even when `between` makes one wait.
    let queue: Promise<void> = Promise.resolve();
    const walkHere = (): void => {
      here = true;
      stopWorkers();
      workers.length = 0;
      running = 0;
      const walking = walkFolder(root, visit, { ...options, stopped: () => settled || stopped() });
      walking.then(() => finish(), fail);
    };

    const deal = new Int32Array(new SharedArrayBuffer(4 * (2 + 3 * slots)));
    const channels = Array.from({ length: slots }, () => new MessageChannel());
    const closePorts = (): void => {
      for (const channel of channels) channel.port2.close();
    };

    // Called when the lister is done: this thread's help ends once it has walked what it was handed.
    let hereDone: (() => void) | undefined;
    /** This thread as helper `h`: each slice it receives is walked here, in the queue of batches. */
    const helpOnThisThread = (h: number): void => {
      const port = (channels[h] as MessageChannel).port2;
      let ended = false;
      running += 1;
      hereDone = (): void => {
        if (ended || !listerDone || Atomics.load(deal, 2 + 3 * h) !== Atomics.load(deal, 3 + 3 * h)) return;
        ended = true;
        port.close();
        running -= 1;
        if (running === 0) finish();
      };
      const walkSlice = sliceWalker(
        root,
        (entry) => {
          delivered = true;
          visit(entry);
        },
        {
          ...options,
          enter: (key) => {
            delivered = true;
            options.enter?.(key);
          },
          stopped: () => settled || here || stopped(),
        },
      );
      port.on('message', (names: readonly string[]) => {
        queue = queue
          .then(async () => {
            if (settled || here) return;
            const going = await walkSlice(names);
            if (stopped()) return finish();
            // Not going on: the walk is over, or runs on this thread from the start instead.
            if (!going) return;
            Atomics.add(deal, 3 + 3 * h, 1);
            hereDone?.();
          })
          .catch(fail);
      });
      Atomics.store(deal, 4 + 3 * h, 1);
    };

    /** Starts one worker; false when it cannot be started. */
    const start = (helper: number | undefined, ports: MessagePort[]): boolean => {
      const state = new Int32Array(new SharedArrayBuffer(8));
      state[0] = window;
      const workerData = { root, reserved, batchSize, sliceNames: ROOT_SLICE_NAMES, backlog: BACKLOG, helper, ports, state: state.buffer, deal: deal.buffer };
      let worker: Worker;
      try {
        // No execArgv of the host (a TypeScript loader, --input-type, profiling flags): the source is plain CommonJS.
        worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData, transferList: ports, stdout: false, stderr: false });
      } catch {
        for (const port of ports) port.close();
        return false;
      }
      workers.push({ worker, state });
      running += 1;
      let done = false;
      let gone = false;
      const handle = async (message: WorkerMessage): Promise<void> => {
        if (settled || gone || here) return;
        if ('done' in message) {
          done = true;
          if (helper === undefined) {
            listerDone = true;
            hereDone?.();
          }
          running -= 1;
          if (running === 0) finish();
          return;
        }
        if ('error' in message) return finish(Object.assign(new Error(message.error.message), message.error.code === undefined ? {} : { code: message.error.code }));
        delivered = true;
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
      // A helper that has not yet asked for slices holds none: losing it loses nothing.
      const unused = (): boolean => helper !== undefined && Atomics.load(deal, 4 + 3 * helper) === 0;
      const lost = (error: Error): void => {
        if (settled || gone || here) return;
        gone = true;
        if (unused()) {
          running -= 1;
          if (running === 0) finish();
        } else if (helper === undefined && !delivered) walkHere();
        else finish(error);
      };
      worker.on('message', (message: WorkerMessage) => {
        queue = queue.then(() => handle(message)).catch(fail);
      });
      worker.on('error', (error) => {
        // After the messages it sent before: a worker that could not run at all changes nothing.
        queue = queue.then(() => lost(error)).catch(fail);
      });
      worker.on('exit', () => {
        // A worker that ends without its last word (killed from outside): the walk is incomplete.
        queue = queue.then(() => {
          if (!done) lost(new Error(`the folder walk of ${root} stopped before it was done`));
        }).catch(fail);
      });
      return true;
    };

    if (!start(undefined, channels.map((channel) => channel.port1))) {
      walkHere();
      return;
    }
    if (options.helpHere === true) helpOnThisThread(helpers);
    const startHelpers = (): void => {
      for (let h = 0; h < helpers; h += 1) {
        // A walk that is over, or whose lister is done, has nothing left to hand out.
        if (settled || listerDone) {
          channels[h]?.port2.close();
          continue;
        }
        start(h, [(channels[h] as MessageChannel).port2]);
      }
    };
    if (options.moreThreadsAfter === undefined) startHelpers();
    else options.moreThreadsAfter.then(startHelpers, startHelpers);
  });
}
