import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import { isUnknownField } from '../../core/schema.js';
import type { Params } from '../../evolve/genomes/params/index.js';
import {
  evaluateColocation,
  parseColocationInput,
  type ColocationInput,
} from '../../problems/colocate/index.js';
import type { Evaluator, Measurement } from './types.js';
import { listed, valuesToTry, type CheckedSpec } from './values.js';

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

/** The value at the dotted `path` of a parsed input, or undefined when it has none. */
function valueAt(input: unknown, path: string): unknown {
  let node = input;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Dotted paths of the leaves of a parsed input: the fields a parameter can set. */
function fieldsOf(node: unknown, prefix = ''): string[] {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return [prefix];
  return Object.entries(node).flatMap(([key, value]) =>
    fieldsOf(value, prefix ? `${prefix}.${key}` : key),
  );
}

/**
 * Check before a run that every candidate can be evaluated and every parameter matters:
 * `base` is a valid colocate input; each parameter of the search space is mapped; each mapping
 * names a parameter of the search space and a field of the colocate input (one its schema
 * knows, whether `base` sets it or leaves its default: a path the schema does not know would be
 * dropped, and the parameter would change nothing), never through a value of `base` that is
 * not an object; and every value the search may give the parameter is accepted there. A
 * failure is a UserError naming the spec file and the field to fix.
 */
export function checkColocateParameters(
  settings: ColocateEvaluatorSettings,
  spec: CheckedSpec,
  source: string,
): void {
  let base: ColocationInput;
  try {
    base = parseColocationInput(settings.base);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    // Named from the top of the spec (evaluator.base.gpu), so the error gets that key's line.
    throw new UserError(
      error.message,
      source,
      `evaluator.base${error.field ? `.${error.field}` : ''}`,
    );
  }
  const space = spec.search_space;
  for (const param of Object.keys(space))
    if (!Object.hasOwn(settings.parameters, param))
      throw new UserError(
        `"${param}" is a parameter of search_space but is mapped to no field of evaluator.base, so it would change nothing; map it (e.g. ${param}: vllm.gpuMemoryUtilization) or remove it`,
        source,
        'evaluator.parameters',
      );
  const mappedTo = new Map<string, string>();
  for (const [param, path] of Object.entries(settings.parameters)) {
    const field = `evaluator.parameters.${param}`;
    const other = mappedTo.get(path);
    if (other !== undefined)
      throw new UserError(
        `"${path}" is also where "${other}" goes, so one of them would change nothing; map each parameter to its own field`,
        source,
        field,
      );
    mappedTo.set(path, param);
    const p = space[param];
    if (!p)
      throw new UserError(
        `maps "${param}", which the search space does not define (parameters: ${listed(Object.keys(space))})`,
        source,
        field,
      );
    const keys = path.split('.');
    for (let depth = 1; depth < keys.length; depth++) {
      const at = keys.slice(0, depth).join('.');
      const node = valueAt(settings.base, at);
      if (node !== undefined && (typeof node !== 'object' || node === null || Array.isArray(node)))
        throw new UserError(
          `"${path}" goes through ${at}, which evaluator.base sets to ${JSON.stringify(node)}, not to an object; map "${param}" to a field of the colocate input`,
          source,
          field,
        );
    }
    for (const value of valuesToTry(p)) {
      const notAField = (): UserError =>
        new UserError(
          `"${path}" is not a field of the colocate input, so "${param}" would change nothing; fields: ${listed(fieldsOf(base))}`,
          source,
          field,
        );
      let input;
      try {
        input = parseColocationInput(withValue(settings.base, path, value));
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        if (isUnknownField(error) && error.field === path) throw notAField();
        throw new UserError(
          `the value ${JSON.stringify(value)} is refused at ${path}, where evaluator.parameters puts it: ${error.field && error.field !== path ? `${error.field}: ` : ''}${error.message}; keep to values the colocate input accepts`,
          source,
          `search_space.${param}`,
        );
      }
      if (valueAt(input, path) === undefined) throw notAField();
    }
  }
}

/** The metrics of a colocate-model evaluation (the two latencies only when the service runs). */
const COLOCATE_METRICS = [
  'capacity',
  'kvCacheGib',
  'maxConcurrentSequences',
  'whisperWerPercent',
  'gpuUtilPercent',
  'stability',
  'llmLatencyMs',
  'whisperLatencyMs',
] as const;

/**
 * The model's numbers as metrics; a configuration that runs out of memory or cannot start is
 * disqualified, and so is one the model refuses (a combination of values that are each valid,
 * e.g. a context longer than maxModelLen): every value was checked by checkColocateParameters.
 */
export function colocateEvaluator(settings: ColocateEvaluatorSettings, source: string): Evaluator {
  return {
    kind: 'colocate-model',
    reports: COLOCATE_METRICS,
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
      let m;
      try {
        m = evaluateColocation(parseColocationInput(input, `${source}: evaluator.base`));
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        return Promise.resolve({
          metrics: {},
          oom: false,
          error: `the colocate model refuses this configuration: ${error.format()}`,
          configurationError: true,
          log: '',
        });
      }
      const metrics: Partial<Record<(typeof COLOCATE_METRICS)[number], number>> = {
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
        configurationError: m.failed && !m.oom,
        log: m.failed ? `failed: ${m.failure}` : `ok: ${JSON.stringify(m.memory)}`,
      });
    },
  };
}
