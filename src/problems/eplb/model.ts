import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import { readJsonFile } from '../../core/io.js';
import { nearMiss } from '../../core/near-miss.js';
import { parseWithoutRecords } from '../../core/schema.js';

/**
 * Expert load of every MoE layer: `data[layer * experts + expert]` (tokens routed to it),
 * shape [layers][experts] flattened.
 */
export interface LoadMatrix {
  layers: number;
  experts: number;
  data: Float64Array;
  /**
   * Of a recorded window: the same load in consecutive slices of its steps, oldest first, each
   * flattened like `data` (what forecasts that weigh recent steps more read). Absent for a
   * matrix that is not a recorded window.
   */
  slices?: Float64Array[];
}

/** A recorded window is cut into about this many slices of equal steps (fewer if it has fewer steps). */
export const SLICES_PER_WINDOW = 10;

/**
 * A placement of expert replicas (DeepSeek EPLB's output), all flattened row-major:
 * `phy2log` [layers][replicas]: the logical expert each physical slot serves;
 * `log2phy` [layers][experts][maxReplicas]: the slots of each expert in replica-rank order,
 * padded with −1; `logcnt` [layers][experts]: replicas per expert.
 * Slot s lives on GPU floor(s / (replicas / gpus)), and GPU g on node floor(g / (gpus / nodes)).
 */
export interface Plan {
  layers: number;
  experts: number;
  replicas: number;
  maxReplicas: number;
  phy2log: Int32Array;
  log2phy: Int32Array;
  logcnt: Int32Array;
}

/** The cluster a plan is for: physical slots, expert groups, nodes and GPUs. */
export const shapeSchema = z.object({
  replicas: z.number().int().min(1).max(1_000_000),
  groups: z.number().int().min(1).max(1_000_000),
  nodes: z.number().int().min(1).max(1_000_000),
  gpus: z.number().int().min(1).max(1_000_000),
});
export type Shape = z.infer<typeof shapeSchema>;

/**
 * Limits on a cluster shape, far beyond any deployment (DeepSeek-V3: 288 slots a layer on 32
 * GPUs), that keep a plan's memory and the planners' time bounded: a plan holds layers ×
 * replicas slots, and packing is replicas × GPUs of a node per layer.
 */
export const MAX_REPLICAS = 16_384;
export const MAX_GPUS = 1024;
export const MAX_SLOTS = 1 << 20;

/**
 * Check that a shape fits a load matrix of `layers` × `experts`: the divisibility DeepSeek's
 * EPLB relies on, and the limits above. A refusal names the flag; `where`, when given, the file
 * the flags were checked against.
 */
export function checkShape(shape: Shape, layers: number, experts: number, where?: string): void {
  const fail = (field: string, message: string): never => {
    throw new UserError(message, where, field);
  };
  if (shape.replicas > MAX_REPLICAS)
    fail(
      '--replicas',
      `${shape.replicas} replicas a layer is more than the ${MAX_REPLICAS} allowed`,
    );
  if (shape.gpus > MAX_GPUS)
    fail('--gpus', `${shape.gpus} GPUs is more than the ${MAX_GPUS} allowed`);
  if (layers * shape.replicas > MAX_SLOTS)
    fail(
      '--replicas',
      `${layers} layers × ${shape.replicas} replicas is more than the ${MAX_SLOTS} slots a plan may hold; ` +
        'plan fewer layers at a time',
    );
  if (shape.replicas < experts) {
    fail(
      '--replicas',
      `${shape.replicas} replicas cannot hold ${experts} experts; give at least ${experts}`,
    );
  }
  if (experts % shape.groups !== 0) {
    fail(
      '--groups',
      `${experts} experts do not split into ${shape.groups} equal groups; use a divisor of ${experts}`,
    );
  }
  if (shape.replicas % shape.gpus !== 0) {
    fail('--gpus', `${shape.replicas} replicas do not split evenly over ${shape.gpus} GPUs`);
  }
  if (shape.gpus % shape.nodes !== 0) {
    fail('--nodes', `${shape.gpus} GPUs do not split evenly over ${shape.nodes} nodes`);
  }
}

/**
 * Most tokens one expert may record in one step: far beyond any batch, and small enough that
 * sums over windows, groups and nodes stay exact-ish and finite (a 1e308 load would overflow).
 */
export const MAX_STEP_LOAD = 1e12;

/** Largest file of recorded load we read: DeepSeek-V3's shape over a few thousand steps. */
export const MAX_LOAD_FILE_BYTES = 256 * 1024 * 1024;

// Only the outer structure goes through zod; the millions of numbers are checked in one loop.
const loadEntrySchema = z.object({
  logical_expert_load: z.array(z.array(z.unknown()), {
    error: 'expected logical_expert_load as [layers][experts] token counts',
  }),
});
const loadFileSchema = z.object({
  load_history: z
    .array(loadEntrySchema)
    .min(1, { error: 'load_history is empty; record at least one step' }),
});

/**
 * Read vLLM's recorded expert load (`{"load_history": [{"logical_expert_load": [[...]]}]}`,
 * one entry per step) and sum it into windows of `window` steps, each also in slices of
 * `ceil(window / SLICES_PER_WINDOW)` steps; a partial last window counts. Errors name the step,
 * the layer and the expert.
 */
export function readLoadHistory(path: string, window: number): LoadMatrix[] {
  return parseLoadHistory(readJsonFile(path, { maxBytes: MAX_LOAD_FILE_BYTES }), path, window);
}

/** The recorded format, as messages show it. */
const LOAD_FILE_FORMAT = '{"load_history": [{"logical_expert_load": [[...]]}, ...]}';

/**
 * Refuse data that is not an object holding `load_history` (the file may hold other keys, as
 * recorders add their own), naming a key that misspells it or what the file holds instead.
 */
function refuseWithoutHistory(data: unknown, source: string): void {
  if (Array.isArray(data) || typeof data !== 'object' || data === null) {
    const holds = Array.isArray(data) ? 'a bare list' : JSON.stringify(data);
    throw new UserError(
      `expected vLLM's recorded expert load, ${LOAD_FILE_FORMAT}; the file holds ${holds}`,
      source,
    );
  }
  if (Object.hasOwn(data, 'load_history')) return;
  const misspelt = Object.keys(data).find((key) => nearMiss(key, ['load_history']) !== null);
  throw new UserError(
    misspelt
      ? `no load_history; did you mean it by "${misspelt}"?`
      : `no load_history; expected ${LOAD_FILE_FORMAT}`,
    source,
    misspelt ?? 'load_history',
  );
}

export function parseLoadHistory(data: unknown, source: string, window: number): LoadMatrix[] {
  refuseWithoutHistory(data, source);
  const steps = parseWithoutRecords(loadFileSchema, data, source).load_history;
  const first = steps[0]!.logical_expert_load;
  const layers = first.length;
  const experts = first[0]?.length ?? 0;
  if (layers === 0 || experts === 0) {
    throw new UserError(
      'logical_expert_load is empty; expected [layers][experts] token counts',
      source,
      'load_history[0]',
    );
  }
  const cells = layers * experts;
  const sliceSteps = Math.max(1, Math.ceil(window / SLICES_PER_WINDOW));
  const windows: LoadMatrix[] = [];
  let sum = new Float64Array(0);
  let slices: Float64Array[] = [];
  let slice = sum;
  steps.forEach((step, s) => {
    const rows = step.logical_expert_load;
    const at = `load_history[${s}].logical_expert_load`;
    if (rows.length !== layers) {
      throw new UserError(
        `has ${rows.length} layers, step 0 has ${layers}; every step must have the same shape`,
        source,
        at,
      );
    }
    if (s % window === 0) {
      sum = new Float64Array(cells);
      slices = [];
      windows.push({ layers, experts, data: sum, slices });
    }
    if ((s % window) % sliceSteps === 0) {
      slice = new Float64Array(cells);
      slices.push(slice);
    }
    for (let l = 0; l < layers; l++) {
      const row = rows[l]!;
      if (row.length !== experts) {
        throw new UserError(
          `has ${row.length} experts, expected ${experts} (a ragged matrix)`,
          source,
          `${at}[${l}]`,
        );
      }
      for (let e = 0; e < experts; e++) {
        const v = row[e];
        if (typeof v !== 'number' || !(v >= 0) || !(v <= MAX_STEP_LOAD)) {
          throw new UserError(
            `load ${JSON.stringify(v)} is not a number from 0 to ${MAX_STEP_LOAD} (tokens in one step)`,
            source,
            `${at}[${l}][${e}]`,
          );
        }
        sum[l * experts + e]! += v;
        slice[l * experts + e]! += v;
      }
    }
  });
  return windows;
}

const integers = z.array(z.array(z.number().int({ error: 'expected an integer' })));
const previousPlanSchema = z.object({
  phy2log: z.array(z.array(z.number().int({ error: 'expected an expert index (an integer)' })), {
    error: 'expected phy2log as [layers][replicas] expert indices (the --json output of rebalance)',
  }),
  logcnt: integers.optional(),
  log2phy: z.array(integers).optional(),
});

/**
 * Read a deployed plan (the `--json` output of `eplb rebalance`; its placement is `phy2log`)
 * for a trace of `layers` × `experts` on `replicas` slots. `logcnt` and `log2phy`, when the
 * file has them, must say the same as `phy2log`: a file whose parts disagree is refused.
 */
export function readPlanFile(
  path: string,
  layers: number,
  experts: number,
  replicas: number,
): Int32Array {
  const plan = parseWithoutRecords(
    previousPlanSchema,
    readJsonFile(path, { maxBytes: MAX_LOAD_FILE_BYTES }),
    path,
  );
  const rows = plan.phy2log;
  if (rows.length !== layers)
    throw new UserError(`has ${rows.length} layers; the trace has ${layers}`, path, 'phy2log');
  const phy2log = new Int32Array(layers * replicas);
  rows.forEach((row, l) => {
    if (row.length !== replicas) {
      throw new UserError(
        `has ${row.length} slots; expected ${replicas} (--replicas)`,
        path,
        `phy2log[${l}]`,
      );
    }
    row.forEach((e, s) => {
      if (e < 0 || e >= experts) {
        throw new UserError(
          `expert ${e} does not exist; expected 0..${experts - 1}`,
          path,
          `phy2log[${l}][${s}]`,
        );
      }
      phy2log[l * replicas + s] = e;
    });
  });
  checkDerivedParts(plan, phy2log, experts, replicas, path);
  return phy2log;
}

/**
 * `logcnt` [layers][experts] and `log2phy` [layers][experts][≥ max count] (−1 padded) of a plan
 * file, when given, against its `phy2log` (flattened [layers × replicas]): the same count and
 * the same slots, in any order, for every expert.
 */
function checkDerivedParts(
  plan: z.infer<typeof previousPlanSchema>,
  phy2log: Int32Array,
  experts: number,
  replicas: number,
  path: string,
): void {
  const layers = phy2log.length / replicas;
  for (let l = 0; l < layers; l++) {
    const slotsOf: number[][] = Array.from({ length: experts }, () => []);
    for (let s = 0; s < replicas; s++) slotsOf[phy2log[l * replicas + s]!]!.push(s);
    for (let e = 0; e < experts; e++) {
      const count = plan.logcnt?.[l]?.[e];
      if (plan.logcnt && count !== slotsOf[e]!.length)
        throw new UserError(
          `says ${String(count)} replicas; phy2log has ${slotsOf[e]!.length}`,
          path,
          `logcnt[${l}][${e}]`,
        );
      const listed = plan.log2phy?.[l]?.[e]?.filter((slot) => slot !== -1);
      const same =
        listed !== undefined &&
        listed.length === slotsOf[e]!.length &&
        [...listed].sort((a, b) => a - b).every((slot, k) => slot === slotsOf[e]![k]);
      if (plan.log2phy && !same)
        throw new UserError(
          `lists slots ${JSON.stringify(listed ?? null)}; phy2log puts expert ${e} in ${JSON.stringify(slotsOf[e])}`,
          path,
          `log2phy[${l}][${e}]`,
        );
    }
  }
}
