import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { experimentJsonSchema } from './json-schema.js';
import { builtInExperiments, loadExperiment } from './load.js';

describe('experiment spec JSON Schema', () => {
  it('docs/experiment-spec.schema.json is the schema the loader checks with', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../docs/experiment-spec.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(committed).toEqual(experimentJsonSchema());
  });

  it('every built-in experiment loads', () => {
    expect(builtInExperiments()).toEqual(['gpu-colocation', 'tune-prism']);
    for (const name of builtInExperiments()) expect(loadExperiment(name).spec.name).toBe(name);
  });
});
