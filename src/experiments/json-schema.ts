import { z } from 'zod';
import { experimentSpecSchema } from './spec.js';

/**
 * The JSON Schema of an experiment spec as users write it (defaults optional), from the same
 * zod schema the loader checks with, so documentation and validation cannot drift.
 */
export function experimentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(experimentSpecSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://evoplace.dev/schemas/experiment-spec.json',
    title: 'evoplace experiment spec',
  };
}
