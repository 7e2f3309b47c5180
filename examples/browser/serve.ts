/**
 * Builds and serves the browser example: `npm run example:browser`, then open the printed URL.
 * Set PORT to choose the port (default 5173).
 */
import { join } from 'node:path';
import { buildExample } from './build-example.js';
import { serveStatic } from './static-server.js';

const outdir = join(process.cwd(), '.tmp', 'example-browser');
await buildExample(outdir);
const server = await serveStatic(outdir, Number(process.env.PORT ?? 5173));
console.log(`reclaim browser example: ${server.url}/  (Ctrl+C to stop)`);
