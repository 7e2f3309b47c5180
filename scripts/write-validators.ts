/** Writes the validators compiled ahead of time (`npm run validators`; see validators-source.ts). */
import { writeFileSync } from 'node:fs';
import { configValidatorsSource, eventValidatorsSource } from './validators-source.js';

writeFileSync(new URL('../src/kernel/event-validators.generated.ts', import.meta.url), eventValidatorsSource());
writeFileSync(new URL('../src/node/config-validators.generated.ts', import.meta.url), configValidatorsSource());
