/** Writes schema/config.schema.json from the service options schema (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { SERVICE_OPTIONS_SCHEMA } from '../src/node/options.js';

const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...SERVICE_OPTIONS_SCHEMA };
writeFileSync(new URL('../schema/config.schema.json', import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
