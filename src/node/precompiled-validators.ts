import type { ValidateFunction } from 'ajv';
import { usePrecompiledValidators } from '../kernel/index.js';
import * as generated from './config-validators.generated.js';
import { PRECOMPILED_SCHEMAS } from './precompiled-schemas.js';

const validators = generated as unknown as Readonly<Partial<Record<string, ValidateFunction>>>;

// Imported for this effect by whatever validates the service's configuration first (the CLI's
// config loading, createCleanupService): those schemas are then never compiled at run time.
usePrecompiledValidators(
  Object.entries(PRECOMPILED_SCHEMAS).map(([name, schema]) => {
    const validate = validators[name];
    if (validate === undefined) throw new Error(`no precompiled validator for ${name}: run npm run validators`);
    return [schema, validate] as const;
  }),
);
