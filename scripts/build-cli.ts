/** Writes the bundled CLI to dist/cli/reclaim-cli.mjs (part of `npm run build`). */
import { join, resolve } from 'node:path';
import { bundleCli } from './cli-bundle.js';

await bundleCli(join(resolve(import.meta.dirname, '..'), 'dist', 'cli', 'reclaim-cli.mjs'));
