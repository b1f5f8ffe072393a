import { z } from 'zod';
import { readJsonFile } from '../../core/io.js';
import { nearMiss } from '../../core/near-miss.js';
import { parseIdentifiedList } from '../../core/schema.js';

/** Largest GPU memory we accept, in GB: far above any device, small enough to stay exact. */
export const MAX_MEM_GB = 1e6;
/** Largest request rate or SLO we accept: beyond it, figures lose meaning and precision. */
export const MAX_RATE = 1e9;
/** Smallest SLO we accept: with rates up to MAX_RATE, a model's load stays finite. */
export const MIN_SLO = 1e-6;
export const MAX_GPUS = 100_000;
export const MAX_MODELS = 1_000_000;
/**
 * Most models × GPUs an instance may have: placing a model looks at every GPU, so the solvers'
 * time grows with this product (the time limit bounds the search, not its starting points).
 */
export const MAX_MODELS_TIMES_GPUS = 1e9;
/** GPU memory assumed when a seed-format instance gives `gpu_num` without `gpu_mem_gb`. */
export const SEED_GPU_MEM_GB = 80;

const finite = (what: string) =>
  z.number({ error: `expected ${what} as a finite number` }).refine(Number.isFinite, {
    error: `expected ${what} as a finite number`,
  });

const memGb = finite('memory in GB')
  .refine((v) => v > 0, { error: 'memGb must be > 0' })
  .refine((v) => v <= MAX_MEM_GB, { error: `memGb must be <= ${MAX_MEM_GB}` });

const gpuIndex = z.number().int({ error: 'expected a GPU index (an integer)' });

const modelSchema = z.object({
  name: z
    .string({ error: 'expected the model name as a string' })
    .min(1, { error: 'model name must not be empty' })
    .max(200, { error: 'model name must be at most 200 characters' }),
  sizeGb: finite('sizeGb')
    .refine((v) => v > 0, { error: 'sizeGb must be > 0 (a model occupies memory)' })
    .refine((v) => v <= MAX_MEM_GB, { error: `sizeGb must be <= ${MAX_MEM_GB}` }),
  reqRate: finite('reqRate')
    .refine((v) => v >= 0, { error: 'reqRate must be >= 0' })
    .refine((v) => v <= MAX_RATE, { error: `reqRate must be <= ${MAX_RATE}` }),
  slo: finite('slo')
    .refine((v) => v >= MIN_SLO, { error: `slo must be >= ${MIN_SLO}` })
    .refine((v) => v <= MAX_RATE, { error: `slo must be <= ${MAX_RATE}` }),
});

const gpusSchema = z.union(
  [
    z.object({
      count: z
        .number()
        .int({ error: 'gpus.count must be an integer' })
        .min(1, { error: 'gpus.count must be at least 1' })
        .max(MAX_GPUS, { error: `gpus.count must be at most ${MAX_GPUS}` }),
      memGb,
    }),
    z
      .array(z.object({ memGb }))
      .min(1, { error: 'gpus must list at least one GPU' })
      .max(MAX_GPUS, { error: `at most ${MAX_GPUS} GPUs` }),
  ],
  { error: 'expected gpus as {"count", "memGb"} or a list of {"memGb"}' },
);

/** The seed's snake_case names, accepted beside ours (DESIGN §5). */
const MODEL_ALIASES: Record<string, string> = {
  model_name: 'name',
  model_size: 'sizeGb',
  req_rate: 'reqRate',
};

function renameAliases(value: unknown, aliases: Record<string, string>): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [alias, name] of Object.entries(aliases)) {
    if (alias in out && !(name in out)) out[name] = out[alias];
  }
  return out;
}

const INSTANCE_FIELDS = ['id', 'gpus', 'models', 'current', 'maxMoves'];
const MODEL_FIELDS = ['name', 'sizeGb', 'reqRate', 'slo'];

/**
 * A key that is one of `fields` but for case or underscores (`maxmoves`, `max_Moves`), which
 * would otherwise be ignored like any unknown key while the user believes it applies.
 */
function misspelt(
  record: Record<string, unknown>,
  fields: readonly string[],
): [string, string] | null {
  for (const key of Object.keys(record)) {
    if (key in MODEL_ALIASES || key === 'max_moves') continue;
    const field = nearMiss(key, fields, 0);
    if (field) return [key, field];
  }
  return null;
}

/** The misspelt fields of an instance and of its models (see `misspelt`), with their paths. */
function misspeltFields(
  raw: Record<string, unknown>,
): { path: (string | number)[]; key: string; field: string }[] {
  const found: { path: (string | number)[]; key: string; field: string }[] = [];
  const top = misspelt(raw, INSTANCE_FIELDS);
  if (top) found.push({ path: [top[0]], key: top[0], field: top[1] });
  (Array.isArray(raw.models) ? raw.models : []).forEach((m: unknown, i) => {
    if (typeof m !== 'object' || m === null) return;
    const hit = misspelt(m as Record<string, unknown>, MODEL_FIELDS);
    if (hit) found.push({ path: ['models', i, hit[0]], key: hit[0], field: hit[1] });
  });
  return found;
}

/** Accept `gpu_num` / `gpu_mem_gb` and snake_case model fields as the seed writes them. */
function acceptSeedFields(value: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const raw = value as Record<string, unknown>;
  for (const { path, key, field } of misspeltFields(raw))
    ctx.addIssue({
      code: 'custom',
      path,
      message: `unknown field "${key}"; did you mean "${field}"?`,
    });
  const out: Record<string, unknown> = { ...raw };
  // Two descriptions of the pool would leave one silently ignored.
  for (const seedField of ['gpu_num', 'gpu_mem_gb'])
    if ('gpus' in raw && seedField in raw)
      ctx.addIssue({
        code: 'custom',
        path: [seedField],
        message: `gives the pool twice (gpus and ${seedField}); keep gpus, or gpu_num with gpu_mem_gb`,
      });
  if (!('gpus' in raw) && 'gpu_mem_gb' in raw && !('gpu_num' in raw))
    ctx.addIssue({
      code: 'custom',
      path: ['gpu_mem_gb'],
      message: 'needs gpu_num beside it (or describe the pool with gpus)',
    });
  if ('gpu_mem_gb' in raw && typeof raw.gpu_mem_gb !== 'number')
    ctx.addIssue({
      code: 'custom',
      path: ['gpu_mem_gb'],
      message: `expected gpu_mem_gb as a number of GB, got ${JSON.stringify(raw.gpu_mem_gb)}`,
    });
  if (!('gpus' in raw) && 'gpu_num' in raw) {
    // Absent means the seed's default.
    out.gpus = {
      count: raw.gpu_num,
      memGb: 'gpu_mem_gb' in raw ? raw.gpu_mem_gb : SEED_GPU_MEM_GB,
    };
  }
  if (Array.isArray(raw.models)) {
    out.models = raw.models.map((m) => renameAliases(m, MODEL_ALIASES));
  }
  if (!('maxMoves' in raw) && 'max_moves' in raw) out.maxMoves = raw.max_moves;
  return out;
}

const instanceObjectSchema = z.object({
  id: z.union([z.string().min(1).max(200), z.number().int()]).optional(),
  gpus: gpusSchema,
  models: z
    .array(modelSchema, { error: 'expected models as a list of {name, sizeGb, reqRate, slo}' })
    .max(MAX_MODELS, { error: `at most ${MAX_MODELS} models` }),
  current: z.array(gpuIndex, { error: 'expected current as a list of GPU indices' }).optional(),
  maxMoves: z
    .number()
    .int({ error: 'maxMoves must be an integer' })
    .min(0, { error: 'maxMoves must be >= 0' })
    .optional(),
});

/** One PRISM instance as a user writes it (either naming convention), checked and normalised. */
export const instanceSchema = z
  .preprocess(acceptSeedFields, instanceObjectSchema)
  .superRefine((inst, ctx) => {
    const seen = new Map<string, number>();
    inst.models.forEach((model, i) => {
      const first = seen.get(model.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', i, 'name'],
          message: `duplicate model name "${model.name}" (also models[${first}]); names must be unique`,
        });
      }
      seen.set(model.name, i);
    });
    const gpuCount = Array.isArray(inst.gpus) ? inst.gpus.length : inst.gpus.count;
    if (gpuCount * inst.models.length > MAX_MODELS_TIMES_GPUS) {
      ctx.addIssue({
        code: 'custom',
        path: ['models'],
        message: `${inst.models.length} models on ${gpuCount} GPUs is more than the ${MAX_MODELS_TIMES_GPUS} models × GPUs an instance may have; split the pool`,
      });
    }
    if (inst.current) {
      if (inst.current.length !== inst.models.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['current'],
          message: `current has ${inst.current.length} entries but there are ${inst.models.length} models; give one GPU index per model`,
        });
      }
      inst.current.forEach((g, i) => {
        if (g < 0 || g >= gpuCount) {
          ctx.addIssue({
            code: 'custom',
            path: ['current', i],
            message: `GPU index ${g} does not exist; expected 0..${gpuCount - 1}`,
          });
        }
      });
    } else if (inst.maxMoves !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxMoves'],
        message: 'maxMoves needs the current placement; add "current": [gpu index per model]',
      });
    }
  })
  .transform((inst) => ({
    id: inst.id === undefined ? undefined : String(inst.id),
    gpuMemGb: Array.isArray(inst.gpus)
      ? inst.gpus.map((g) => g.memGb)
      : Array.from({ length: inst.gpus.count }, () => (inst.gpus as { memGb: number }).memGb),
    models: inst.models,
    current: inst.current,
    maxMoves: inst.maxMoves,
  }));

export type PrismModel = z.infer<typeof modelSchema>;

/** A checked instance. `current`/`maxMoves` describe a re-placement (DESIGN §2.1). */
export interface PrismInstance {
  id: string;
  gpuMemGb: number[];
  models: PrismModel[];
  current?: number[];
  maxMoves?: number;
}

/**
 * The numeric form every solver works on: typed arrays indexed by model (`sizeGb`, `load` =
 * reqRate/slo) and by GPU (`memGb`). `maxMoves` is Infinity when moves are unlimited.
 */
export interface PrismProblem {
  gpuCount: number;
  modelCount: number;
  memGb: Float64Array;
  sizeGb: Float64Array;
  load: Float64Array;
  current: Int32Array | null;
  maxMoves: number;
}

export function toProblem(instance: PrismInstance): PrismProblem {
  const n = instance.models.length;
  const sizeGb = new Float64Array(n);
  const load = new Float64Array(n);
  instance.models.forEach((m, i) => {
    sizeGb[i] = m.sizeGb;
    load[i] = m.reqRate / m.slo;
  });
  return {
    gpuCount: instance.gpuMemGb.length,
    modelCount: n,
    memGb: Float64Array.from(instance.gpuMemGb),
    sizeGb,
    load,
    current: instance.current ? Int32Array.from(instance.current) : null,
    maxMoves: instance.current ? (instance.maxMoves ?? Infinity) : Infinity,
  };
}

/** A solver's answer: GPU index per model (input order), or null when none was found. */
export type Assignment = Int32Array;

/**
 * Parse a file's content: one instance or an array of them. Instances without an id get
 * `instance-<index>`; ids must be unique within the file. Errors name the instance and field.
 */
export function parseInstances(data: unknown, source: string): PrismInstance[] {
  return parseIdentifiedList(instanceSchema, data, source, 'instance').map((parsed) => {
    const instance: PrismInstance = {
      id: parsed.id,
      gpuMemGb: parsed.gpuMemGb,
      models: parsed.models,
    };
    if (parsed.current) instance.current = parsed.current;
    if (parsed.maxMoves !== undefined) instance.maxMoves = parsed.maxMoves;
    return instance;
  });
}

export function readInstancesFile(path: string): PrismInstance[] {
  return parseInstances(readJsonFile(path), path);
}

/** The file form of an instance (what `prism generate` writes): `gpus` compact when uniform. */
export function toInstanceFile(instance: PrismInstance): Record<string, unknown> {
  const mems = instance.gpuMemGb;
  const uniform = mems.every((m) => m === mems[0]);
  return {
    id: instance.id,
    gpus: uniform ? { count: mems.length, memGb: mems[0] } : mems.map((memGb) => ({ memGb })),
    models: instance.models,
    ...(instance.current ? { current: instance.current } : {}),
    ...(instance.maxMoves !== undefined ? { maxMoves: instance.maxMoves } : {}),
  };
}
