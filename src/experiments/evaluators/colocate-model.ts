import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import type { Params } from '../../evolve/genomes/params/index.js';
import { evaluateColocation, parseColocationInput } from '../../problems/colocate/index.js';
import type { Evaluator, Measurement } from './types.js';

/**
 * The built-in analytical evaluator: `base` is a colocate input (docs/colocate-model.md) and
 * `parameters` says where each searched parameter goes in it (a dotted path such as
 * `vllm.gpuMemoryUtilization`).
 */
export const colocateEvaluatorSchema = z
  .object({
    kind: z.literal('colocate-model'),
    base: z.record(z.string(), z.unknown()),
    parameters: z.record(z.string(), z.string().regex(/^[A-Za-z]+(\.[A-Za-z]+)*$/)),
  })
  .strict();
export type ColocateEvaluatorSettings = z.infer<typeof colocateEvaluatorSchema>;

/** A deep copy of `base` with `value` at the dotted `path` (objects created on the way). */
function withValue(
  base: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(base);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (node[key] = typeof next === 'object' && next !== null ? next : {}) as Record<
      string,
      unknown
    >;
  }
  node[keys.at(-1)!] = value;
  return copy;
}

/** The model's numbers as metrics; a configuration that runs out of memory or cannot start is disqualified. */
export function colocateEvaluator(settings: ColocateEvaluatorSettings, source: string): Evaluator {
  return {
    kind: 'colocate-model',
    evaluate(params: Params): Promise<Measurement> {
      let input = settings.base;
      for (const [param, path] of Object.entries(settings.parameters)) {
        if (!Object.hasOwn(params, param))
          throw new UserError(
            `maps "${param}", which the search space does not define`,
            source,
            `evaluator.parameters`,
          );
        input = withValue(input, path, params[param]);
      }
      const m = evaluateColocation(parseColocationInput(input, `${source}: evaluator.base`));
      const metrics: Record<string, number> = {
        capacity: m.capacity,
        kvCacheGib: m.kvCacheGib,
        maxConcurrentSequences: m.maxConcurrentSequences,
        whisperWerPercent: m.whisperWerPercent,
        gpuUtilPercent: m.gpuUtilPercent,
        stability: m.stability,
      };
      if (m.llmLatencyMs !== null) metrics.llmLatencyMs = m.llmLatencyMs;
      if (m.whisperLatencyMs !== null) metrics.whisperLatencyMs = m.whisperLatencyMs;
      return Promise.resolve({
        metrics,
        oom: m.oom,
        // vLLM refusing to start (no room for the KV cache) disqualifies as surely as an OOM.
        error: m.failed && !m.oom ? `vLLM cannot start: ${m.failure}` : null,
        log: m.failed ? `failed: ${m.failure}` : `ok: ${JSON.stringify(m.memory)}`,
      });
    },
  };
}
