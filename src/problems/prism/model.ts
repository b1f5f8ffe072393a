import { z } from 'zod';
import { readJsonFile } from '../../core/io.js';
import { nearMiss } from '../../core/near-miss.js';
import { checked, parseIdentifiedList, refusalOf } from '../../core/schema.js';
import { deviceMemoryTooLarge, MAX_DEVICE_MEMORY_GB } from '../../core/device-memory.js';
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

/** A zod error message: `expected <what>, got <value>`, or `missing; expected <what>`. */
const expected =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    refusalOf(`expected ${what}`, issue.input);

const finite = (what: string) =>
  z.number({ error: expected(`${what} as a finite number`) }).refine(Number.isFinite, {
    error: expected(`${what} as a finite number`),
  });

/** A number field checked by one refinement (see `checked`): the `gpus` union needs it. */
const numberIn = (what: string, accepts: (v: number) => boolean) =>
  checked<number>((v) => typeof v === 'number' && accepts(v), `expected ${what}`);

/**
 * A GPU's memory in GB: a number above 0, and no more than any GPU holds (MB typed as GB is
 * refused as such). One refinement, like numberIn, so that the `gpus` union reports it.
 */
const memGb = z.unknown().superRefine((value, ctx) => {
  const tooLarge = typeof value === 'number' ? deviceMemoryTooLarge(value, 'GB') : null;
  if (typeof value !== 'number' || !(value > 0))
    ctx.addIssue({ code: 'custom', message: refusalOf('expected memory in GB, above 0', value) });
  else if (tooLarge) ctx.addIssue({ code: 'custom', message: tooLarge });
}) as unknown as z.ZodType<number, number>;

const gpuCount = numberIn(
  `a whole number of GPUs from 1 to ${MAX_GPUS}`,
  (v) => Number.isInteger(v) && v >= 1 && v <= MAX_GPUS,
);

const gpuIndex = z.number().int({ error: 'expected a GPU index (an integer)' });

const modelSchema = z.object(
  {
    name: z
      .string({ error: expected('the model name as text') })
      .min(1, { error: 'model name must not be empty' })
      .max(200, { error: 'model name must be at most 200 characters' }),
    sizeGb: finite('sizeGb')
      .refine((v) => v > 0, { error: 'sizeGb must be > 0 (a model occupies memory)' })
      // No GPU holds a larger model: such a size is a unit slip (MB for GB), not a model.
      .refine((v) => v <= MAX_DEVICE_MEMORY_GB, {
        error: (issue) => deviceMemoryTooLarge(issue.input as number, 'GB')!,
      }),
    reqRate: finite('reqRate')
      .refine((v) => v >= 0, { error: 'reqRate must be >= 0' })
      .refine((v) => v <= MAX_RATE, { error: `reqRate must be <= ${MAX_RATE}` }),
    slo: finite('slo')
      .refine((v) => v >= MIN_SLO, { error: `slo must be >= ${MIN_SLO}` })
      .refine((v) => v <= MAX_RATE, { error: `slo must be <= ${MAX_RATE}` }),
  },
  { error: expected('a model as {name, sizeGb, reqRate, slo}') },
);

/**
 * The pool: one group `{count, memGb}`, or a list of groups whose `count` defaults to 1. Either
 * form's own mistake is reported (`gpus[1].memGb: expected memory in GB ...`) because every
 * field is a refinement (`numberIn`); a value that is neither form gets the union's message.
 */
const gpusSchema = z.union(
  [
    z.object({ count: gpuCount, memGb }),
    z
      .array(z.object({ count: gpuCount.default(1), memGb }))
      .min(1, { error: 'gpus must list at least one GPU' })
      .max(MAX_GPUS, { error: `at most ${MAX_GPUS} GPUs` }),
  ],
  { error: 'expected gpus as {"count", "memGb"} or a list of {"memGb", "count" (default 1)}' },
);

/** The seed's snake_case names for our fields, accepted beside ours (DESIGN §5). */
const INSTANCE_ALIASES: Record<string, string> = { max_moves: 'maxMoves' };
const MODEL_ALIASES: Record<string, string> = {
  model_name: 'name',
  model_size: 'sizeGb',
  req_rate: 'reqRate',
};

/** Every name each object of an instance accepts: ours, and the seed's (`gpu_num`). */
const INSTANCE_FIELDS = [
  'id',
  'gpus',
  'models',
  'current',
  'maxMoves',
  'gpu_num',
  'gpu_mem_gb',
  ...Object.keys(INSTANCE_ALIASES),
];
const MODEL_FIELDS = ['name', 'sizeGb', 'reqRate', 'slo', ...Object.keys(MODEL_ALIASES)];
const GPU_FIELDS = ['count', 'memGb'];

type Fields = Record<string, unknown>;
type Path = (string | number)[];

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One object of a raw instance: where it is, its fields, and the names it accepts. */
interface RawObject {
  path: Path;
  fields: Fields;
  names: readonly string[];
}

/** The objects of a raw instance: itself, its models and its GPUs. */
function objectsOf(raw: Fields): RawObject[] {
  const found: RawObject[] = [{ path: [], fields: raw, names: INSTANCE_FIELDS }];
  const listed = (key: string, names: readonly string[]) => (item: unknown, i: number) => {
    if (isFields(item)) found.push({ path: [key, i], fields: item, names });
  };
  if (Array.isArray(raw.models)) raw.models.forEach(listed('models', MODEL_FIELDS));
  if (Array.isArray(raw.gpus)) raw.gpus.forEach(listed('gpus', GPU_FIELDS));
  else if (isFields(raw.gpus)) found.push({ path: ['gpus'], fields: raw.gpus, names: GPU_FIELDS });
  return found;
}

/**
 * Letters a key may be off one of our names and still be refused as its misspelling: one in a
 * short key (so that a seed file's own short keys read as they are), two from six letters on.
 */
const typoEdits = (key: string): number => (key.length >= 6 ? 2 : 1);

/**
 * Refuse what unknown-field tolerance would otherwise let through silently, in every object of
 * the instance: a key that misspells one of its names (`maxMove`, `maxmoves`, `memGib`), ignored
 * while the user believes it applies; and one field under both its names (`req_rate` beside
 * `reqRate`), where one value would silently win.
 */
function refuseAmbiguousFields(raw: Fields, ctx: z.RefinementCtx): void {
  for (const { path, fields, names } of objectsOf(raw)) {
    for (const key of Object.keys(fields)) {
      const field = nearMiss(key, names, typoEdits(key));
      if (field)
        ctx.addIssue({
          code: 'custom',
          path: [...path, key],
          message: `unknown field "${key}"; did you mean "${field}"?`,
        });
    }
    const aliases =
      path.length === 0 ? INSTANCE_ALIASES : path[0] === 'models' ? MODEL_ALIASES : {};
    for (const [alias, name] of Object.entries(aliases))
      if (alias in fields && name in fields)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${alias}" and "${name}" are the same field; give it once`,
        });
  }
}

/** `value` with each alias renamed to our name (refuseAmbiguousFields refused both at once). */
function renameAliases(value: unknown, aliases: Record<string, string>): unknown {
  if (!isFields(value)) return value;
  const out: Fields = { ...value };
  for (const [alias, name] of Object.entries(aliases)) {
    if (alias in out) {
      out[name] = out[alias];
      delete out[alias];
    }
  }
  return out;
}

/** Accept `gpu_num` / `gpu_mem_gb` and snake_case fields as the seed writes them. */
function acceptSeedFields(raw: unknown, ctx: z.RefinementCtx): unknown {
  if (!isFields(raw)) return raw;
  refuseAmbiguousFields(raw, ctx);
  const out = renameAliases(raw, INSTANCE_ALIASES) as Fields;
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
  return out;
}

const instanceObjectSchema = z.object(
  {
    id: z
      .union(
        [
          z
            .string()
            .min(1, { error: 'must not be empty; give the instance a name, or leave id out' })
            .max(200, { error: 'must be at most 200 characters' }),
          z.number().int(),
        ],
        { error: expected('id as text or a whole number') },
      )
      .optional(),
    gpus: gpusSchema,
    models: z
      .array(modelSchema, { error: 'expected models as a list of {name, sizeGb, reqRate, slo}' })
      .max(MAX_MODELS, { error: `at most ${MAX_MODELS} models` }),
    current: z.array(gpuIndex, { error: 'expected current as a list of GPU indices' }).optional(),
    // Any whole number: a limit at or above the number of models is no limit (toProblem).
    maxMoves: numberIn(
      'maxMoves as a whole number ≥ 0 (how many models may change GPU)',
      (v) => Number.isInteger(v) && v >= 0,
    ).optional(),
  },
  { error: expected('an instance as {id, gpus, models}') },
);

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
    const gpuCount = Array.isArray(inst.gpus)
      ? inst.gpus.reduce((sum, group) => sum + group.count, 0)
      : inst.gpus.count;
    if (gpuCount > MAX_GPUS) {
      ctx.addIssue({
        code: 'custom',
        path: ['gpus'],
        message: `${gpuCount} GPUs in all; at most ${MAX_GPUS} GPUs`,
      });
      return;
    }
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
    gpuMemGb: (Array.isArray(inst.gpus) ? inst.gpus : [inst.gpus]).flatMap((group) =>
      Array.from({ length: group.count }, () => group.memGb),
    ),
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
 * reqRate/slo) and by GPU (`memGb`). `maxMoves` is Infinity when moves are unlimited (no limit,
 * or one of at least every model).
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
    // A limit of at least every model is none.
    maxMoves:
      instance.current && instance.maxMoves !== undefined && instance.maxMoves < n
        ? instance.maxMoves
        : Infinity,
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
