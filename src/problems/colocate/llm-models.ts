/**
 * The LLMs the co-location model knows by name: their transformer shape (from each model's
 * `config.json`), how their weight file is stored, and the activation peak vLLM measured for them.
 * Weights are counted from the shape, not copied from a model card, so that the count can be
 * checked against vLLM's own "model weights take … GiB" log lines (see the tests).
 */

const GIB = 2 ** 30;

/** A dense decoder-only transformer, as its Hugging Face `config.json` describes it. */
export interface TransformerShape {
  numLayers: number;
  hiddenSize: number;
  intermediateSize: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  /** Biases on the q, k and v projections (Qwen2 has them, Llama has not). */
  qkvBias: boolean;
  tiedEmbeddings: boolean;
}

/** Parameters in linear layers (what quantization shrinks) and in everything else. */
export interface ParameterCounts {
  linear: number;
  other: number;
}

/** Count the parameters of a Llama-style block stack: attention, gated MLP, RMSNorms, embeddings. */
export function parameterCounts(s: TransformerShape): ParameterCounts {
  const qWidth = s.numHeads * s.headDim;
  const kvWidth = s.numKvHeads * s.headDim;
  const attention = 2 * s.hiddenSize * qWidth + 2 * s.hiddenSize * kvWidth;
  const mlp = 3 * s.hiddenSize * s.intermediateSize;
  const embeddings = s.vocabSize * s.hiddenSize * (s.tiedEmbeddings ? 1 : 2);
  const norms = (2 * s.numLayers + 1) * s.hiddenSize;
  const biases = s.qkvBias ? s.numLayers * (qWidth + 2 * kvWidth) : 0;
  return { linear: s.numLayers * (attention + mlp), other: embeddings + norms + biases };
}

/**
 * How a checkpoint stores its weights, in bytes per parameter. Quantized formats shrink only the
 * linear layers; embeddings, the LM head and norms stay 16-bit. AWQ int4 with group size 128 keeps
 * one fp16 scale and one 4-bit zero point per group of 128 weights: 2.5 bytes per 128 weights.
 */
export const WEIGHT_FORMATS = {
  bf16: { linear: 2, other: 2 },
  fp8: { linear: 1, other: 2 },
  'awq-int4': { linear: 0.5 + 2.5 / 128, other: 2 },
} as const satisfies Record<string, { linear: number; other: number }>;

export type WeightFormat = keyof typeof WEIGHT_FORMATS;

/** GiB of weights of a model of shape `shape` stored as `format`. */
export function weightsGib(shape: TransformerShape, format: WeightFormat): number {
  const counts = parameterCounts(shape);
  const bytes = WEIGHT_FORMATS[format];
  return (counts.linear * bytes.linear + counts.other * bytes.other) / GIB;
}

/** meta-llama/Llama-3.1-8B `config.json`. */
export const LLAMA_3_1_8B: TransformerShape = {
  numLayers: 32,
  hiddenSize: 4096,
  intermediateSize: 14336,
  numHeads: 32,
  numKvHeads: 8,
  headDim: 128,
  vocabSize: 128256,
  qkvBias: false,
  tiedEmbeddings: false,
};

/** Qwen/Qwen2.5-7B-Instruct `config.json`. */
export const QWEN_2_5_7B: TransformerShape = {
  numLayers: 28,
  hiddenSize: 3584,
  intermediateSize: 18944,
  numHeads: 28,
  numKvHeads: 4,
  headDim: 128,
  vocabSize: 152064,
  qkvBias: true,
  tiedEmbeddings: false,
};

/**
 * PyTorch activation peak of vLLM's profile run, in GiB, as vLLM logged it with default settings:
 * Meta-Llama-3-8B (same shape as 3.1) in vLLM PR #10511; Qwen2.5-7B in vLLM issue #13882.
 */
const LLAMA_ACTIVATION_PEAK_GIB = 1.26;
const QWEN_ACTIVATION_PEAK_GIB = 1.42;

/** Assumed activation peak for a model given only by size: the Llama-3-8B figure. */
export const DEFAULT_ACTIVATION_PEAK_GIB = LLAMA_ACTIVATION_PEAK_GIB;

interface NamedModel {
  shape: TransformerShape;
  format: WeightFormat;
  activationPeakGib: number;
}

/** Models by the name their checkpoints go by (the suffix names the weight format). */
export const COLOCATE_MODELS = {
  'Llama-3.1-8B': {
    shape: LLAMA_3_1_8B,
    format: 'bf16',
    activationPeakGib: LLAMA_ACTIVATION_PEAK_GIB,
  },
  'Llama-3.1-8B-FP8': {
    shape: LLAMA_3_1_8B,
    format: 'fp8',
    activationPeakGib: LLAMA_ACTIVATION_PEAK_GIB,
  },
  'Qwen2.5-7B': { shape: QWEN_2_5_7B, format: 'bf16', activationPeakGib: QWEN_ACTIVATION_PEAK_GIB },
  'Qwen2.5-7B-AWQ': {
    shape: QWEN_2_5_7B,
    format: 'awq-int4',
    activationPeakGib: QWEN_ACTIVATION_PEAK_GIB,
  },
} as const satisfies Record<string, NamedModel>;

export type ColocateModelName = keyof typeof COLOCATE_MODELS;

export const COLOCATE_MODEL_NAMES = Object.keys(COLOCATE_MODELS) as [
  ColocateModelName,
  ...ColocateModelName[],
];

/** Bytes one token occupies in the KV cache: a key and a value per layer and KV head. */
export function kvBytesPerToken(
  numLayers: number,
  numKvHeads: number,
  headDim: number,
  bytesPerElement: number,
): number {
  return 2 * numLayers * numKvHeads * headDim * bytesPerElement;
}
