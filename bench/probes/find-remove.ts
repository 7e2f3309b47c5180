/**
 * Probe: the find-remove package, as a Node user would call it to delete files older than an
 * age. It is synchronous (readdirSync, statSync, unlinkSync). Usage: find-remove.mjs <dir> <seconds>
 */
import { createRequire } from 'node:module';
import { arg, report } from './report.js';

type FindRemove = (dir: string, options: { files?: string; age?: { seconds: number } }) => Record<string, boolean>;
// find-remove ships its types where its package.json does not point: type the call here.
const findRemoveSync = createRequire(import.meta.url)('find-remove') as FindRemove;

const started = performance.now();
const removed = findRemoveSync(arg(0, 'dir'), { files: '*.*', age: { seconds: Number(arg(1, 'seconds')) } });
report({ runMs: performance.now() - started, removed: Object.keys(removed).length });
