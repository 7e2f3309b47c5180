/**
 * Not a probe: the helper that stages one copy of a data set's files past the cutoff (see
 * `stageOldFiles`), run in a child process so that several copies are written side by side.
 * Usage: stage-copy.mjs <files> <tokens> <seed> <layout> <nowMs> <copyDir>
 */
import { stageOldFiles, type DatasetSpec, type Layout } from '../lib/dataset.js';
import { arg, report } from './report.js';

const spec: DatasetSpec = {
  files: Number(arg(0, 'files')),
  tokens: Number(arg(1, 'tokens')),
  seed: Number(arg(2, 'seed')),
  layout: arg(3, 'layout') as Layout,
  nowMs: Number(arg(4, 'nowMs')),
};
const started = performance.now();
const written = stageOldFiles(spec, arg(5, 'copyDir'));
report({ written, ms: performance.now() - started });
