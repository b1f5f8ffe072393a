import { z } from 'zod';
import { readJsonFile } from '../../core/io.js';
import { parseIdentifiedList, parseWith } from '../../core/schema.js';
import {
  choice,
  count,
  deviceGib,
  finite,
  isMemoryShare,
  memoryShare,
  positive,
  section,
  text,
  trueOrFalse,
} from './fields.js';
import { COLOCATE_GPU_NAMES } from './gpus.js';
import { COLOCATE_MODEL_NAMES } from './llm-models.js';
import { WHISPER_SIZES } from './whisper.js';

/**
 * GPU memory a process's CUDA context occupies, GiB. Assumption: a context took 700+ MB before
 * CUDA's lazy module loading (PyTorch forums) and less since lazy loading became the default
 * (CUDA 12.2); 0.5 GiB per process.
 */
export const CUDA_CONTEXT_GIB = 0.5;
/** Free memory below which stability starts to drop, GiB. Assumption. */
export const SAFETY_MARGIN_GIB = 1;
/**
 * Tokens each running LLM sequence holds when the load does not say, at most maxModelLen.
 * Assumption.
 */
export const DEFAULT_CONTEXT_TOKENS = 1024;
/** vLLM's `--max-num-seqs` default. */
export const DEFAULT_MAX_NUM_SEQS = 256;
/** vLLM's default KV-cache block size, tokens. */
export const DEFAULT_BLOCK_SIZE = 16;

const customGpuSchema = z.strictObject({
  name: text('the GPU name').default('custom'),
  memGib: deviceGib('memGib'),
  bandwidthGBps: positive('bandwidthGBps'),
});

/** Bytes per parameter of a model given by its parameter count. */
export const CUSTOM_MODEL_DTYPE_BYTES = { bf16: 2, fp16: 2, fp8: 1, int8: 1, int4: 0.5 } as const;

const customModelSchema = z
  .strictObject({
    name: text('the model name'),
    weightsGib: deviceGib('weightsGib').optional(),
    paramsBillion: positive('paramsBillion').optional(),
    dtype: choice(
      Object.keys(CUSTOM_MODEL_DTYPE_BYTES) as (keyof typeof CUSTOM_MODEL_DTYPE_BYTES)[],
    ).optional(),
    numLayers: count('numLayers', 1),
    numKvHeads: count('numKvHeads', 1),
    headDim: count('headDim', 1),
  })
  .superRefine((m, ctx) => {
    if ((m.weightsGib === undefined) === (m.paramsBillion === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['weightsGib'],
        message: 'give exactly one of weightsGib and paramsBillion',
      });
    }
    if (m.paramsBillion !== undefined && m.dtype === undefined) {
      ctx.addIssue({ code: 'custom', path: ['dtype'], message: 'paramsBillion needs a dtype' });
    }
  });

const MODEL_EXPECTED = `expected a model name (${COLOCATE_MODEL_NAMES.join(', ')}) or {name, weightsGib | paramsBillion + dtype, numLayers, numKvHeads, headDim}`;

const vllmShape = {
  model: z.union(
    [choice(COLOCATE_MODEL_NAMES, MODEL_EXPECTED, 'text or object'), customModelSchema],
    {
      error: MODEL_EXPECTED,
    },
  ),
  gpuMemoryUtilization: finite('gpuMemoryUtilization').refine(isMemoryShare, {
    error: 'gpuMemoryUtilization must be in (0, 1]',
  }),
  maxModelLen: count('maxModelLen', 1),
  blockSize: count('blockSize', 1).default(DEFAULT_BLOCK_SIZE),
  maxNumSeqs: count('maxNumSeqs', 1).default(DEFAULT_MAX_NUM_SEQS),
  kvCacheDtype: choice(['auto', 'fp8']).default('auto'),
  enforceEager: trueOrFalse().default(false),
  activationPeakGib: deviceGib('activationPeakGib', true).optional(),
  nonTorchGib: deviceGib('nonTorchGib', true).optional(),
  cudaGraphGib: deviceGib('cudaGraphGib', true).optional(),
};
const VLLM_EXPECTED = 'expected vllm as {model, maxModelLen, ...}';
const vllmSchema = section(vllmShape, VLLM_EXPECTED);

const loadSchema = section(
  {
    llmConcurrentRequests: count('llmConcurrentRequests', 0).default(1),
    /** Defaults to DEFAULT_CONTEXT_TOKENS, or maxModelLen when that is shorter. */
    llmContextTokens: count('llmContextTokens', 1).optional(),
    whisperConcurrentRequests: count('whisperConcurrentRequests', 0).default(1),
  },
  'expected load as {llmConcurrentRequests, llmContextTokens, whisperConcurrentRequests}',
);

/** What a configuration and a problem share: the device, its other tenants and the load. */
const GPU_EXPECTED = `expected a GPU name (${COLOCATE_GPU_NAMES.join(', ')}) or {memGib, bandwidthGBps}`;

const sharedFields = {
  gpu: z.union([choice(COLOCATE_GPU_NAMES, GPU_EXPECTED, 'text or object'), customGpuSchema], {
    error: GPU_EXPECTED,
  }),
  load: loadSchema.prefault({}),
  /** Memory already held on the device by processes outside the two services. */
  otherProcessesGib: deviceGib('otherProcessesGib', true).default(0),
  cudaContextGib: deviceGib('cudaContextGib', true).default(CUDA_CONTEXT_GIB),
  safetyMarginGib: deviceGib('safetyMarginGib', true).default(SAFETY_MARGIN_GIB),
};

const whisperSizeSchema = choice(WHISPER_SIZES);

/** The load's context length cannot exceed what vLLM admits. */
function contextWithinModelLen(
  input: { load: { llmContextTokens?: number | undefined }; vllm: { maxModelLen: number } },
  ctx: z.RefinementCtx,
): void {
  const tokens = input.load.llmContextTokens;
  if (tokens !== undefined && tokens > input.vllm.maxModelLen) {
    ctx.addIssue({
      code: 'custom',
      path: ['load', 'llmContextTokens'],
      message: `llmContextTokens must be <= vllm.maxModelLen (${input.vllm.maxModelLen})`,
    });
  }
}

/** The load with its context length filled in: DEFAULT_CONTEXT_TOKENS, or maxModelLen if shorter. */
function withContextTokens<
  T extends { load: { llmContextTokens?: number | undefined }; vllm: { maxModelLen: number } },
>(input: T): T & { load: T['load'] & { llmContextTokens: number } } {
  return {
    ...input,
    load: {
      ...input.load,
      llmContextTokens:
        input.load.llmContextTokens ?? Math.min(DEFAULT_CONTEXT_TOKENS, input.vllm.maxModelLen),
    },
  };
}

/** One GPU shared by a vLLM server and a Whisper model, with an optional load. */
export const colocationInputSchema = section(
  {
    ...sharedFields,
    vllm: vllmSchema,
    whisper: section({ size: whisperSizeSchema }, 'expected whisper as {size}'),
  },
  'expected the colocation input as {gpu, vllm, whisper, ...}',
)
  .superRefine(contextWithinModelLen)
  .transform(withContextTokens);

/** A checked input, defaults filled in. */
export type ColocationInput = z.infer<typeof colocationInputSchema>;
/** An input as a caller writes it (defaults may be left out). */
export type ColocationInputSpec = z.input<typeof colocationInputSchema>;
export type CustomModel = z.infer<typeof customModelSchema>;

/** Check `data`; a mistake is a UserError naming `source` and the offending field. */
export function parseColocationInput(data: unknown, source = 'colocation input'): ColocationInput {
  return parseWith(colocationInputSchema, data, source);
}

/**
 * vLLM's `--gpu-memory-utilization` default: what starting it next to another service without
 * planning gives.
 */
export const VLLM_DEFAULT_UTILIZATION = 0.9;
/** The grid a problem's memory share is chosen on unless it says otherwise (vLLM users set two decimals). */
export const DEFAULT_UTILIZATION_STEP = 0.01;

const requirementsSchema = section(
  {
    /** Full-length sequences vLLM must hold at once (its capacity, capped by maxNumSeqs). */
    minCapacity: count('minCapacity', 1).default(1),
    /** The least accurate Whisper allowed: word error rate on LibriSpeech test-clean, %. */
    maxWhisperWerPercent: positive('maxWhisperWerPercent').optional(),
  },
  'expected requirements as {minCapacity, maxWhisperWerPercent}',
);

/**
 * The colocate problem: one GPU, vLLM's settings except its memory share (the decision), the
 * Whisper sizes to choose from (the other decision), and what a configuration must meet.
 */
export const colocateProblemSchema = section(
  {
    id: text('the problem id').optional(),
    ...sharedFields,
    vllm: section(
      {
        ...vllmShape,
        gpuMemoryUtilization: z
          .never({
            error:
              'the memory share is what the solver chooses; leave gpuMemoryUtilization out (colocate check --utilization U judges one)',
          })
          .optional(),
      },
      VLLM_EXPECTED,
    ),
    whisper: section(
      {
        sizes: z
          .array(whisperSizeSchema)
          .min(1, { error: 'give at least one Whisper size to choose from' })
          .refine((sizes) => new Set(sizes).size === sizes.length, {
            error: 'each Whisper size may be listed once',
          }),
      },
      'expected whisper as {sizes: [...]}',
    ),
    requirements: requirementsSchema.prefault({}),
    /** `--gpu-memory-utilization` is chosen on multiples of this. */
    utilizationStep: finite('utilizationStep')
      .refine((v) => v >= 0.001 && v <= 0.5, { error: 'utilizationStep must be in [0.001, 0.5]' })
      .default(DEFAULT_UTILIZATION_STEP),
  },
  'expected a problem as {id, gpu, vllm, whisper, ...}',
)
  .superRefine(contextWithinModelLen)
  .transform(withContextTokens);

export type ColocateProblem = z.infer<typeof colocateProblemSchema> & { id: string };

/** A configuration of a problem: vLLM's memory share and Whisper's size. */
export const colocateSolutionSchema = section(
  {
    gpuMemoryUtilization: memoryShare(),
    whisperSize: whisperSizeSchema,
  },
  'expected a configuration as {gpuMemoryUtilization, whisperSize}',
);
export type ColocateSolution = z.infer<typeof colocateSolutionSchema>;

/** The configuration `solution` makes of `problem`, as the co-location model takes it. */
export function configurationOf(
  problem: ColocateProblem,
  solution: ColocateSolution,
): ColocationInputSpec {
  return {
    gpu: problem.gpu,
    vllm: { ...problem.vllm, gpuMemoryUtilization: solution.gpuMemoryUtilization },
    whisper: { size: solution.whisperSize },
    load: problem.load,
    otherProcessesGib: problem.otherProcessesGib,
    cudaContextGib: problem.cudaContextGib,
    safetyMarginGib: problem.safetyMarginGib,
  };
}

/** One problem or an array of them; errors name the problem and the field. */
export function parseColocateProblems(data: unknown, source: string): ColocateProblem[] {
  return parseIdentifiedList(colocateProblemSchema, data, source, 'problem');
}

export function readColocateProblemsFile(path: string): ColocateProblem[] {
  return parseColocateProblems(readJsonFile(path), path);
}
