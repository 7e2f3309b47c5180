/** Writes src/kernel/event-validators.generated.ts (`npm run validators`). */
import { writeFileSync } from 'node:fs';
import { eventValidatorsSource } from './event-validators-source.js';

writeFileSync(new URL('../src/kernel/event-validators.generated.ts', import.meta.url), eventValidatorsSource());
