/** The colocate problem's public surface: one GPU shared by a vLLM server and a Whisper model. */
export {
  evaluateColocation,
  type ColocationFailure,
  type ColocationMetrics,
  type MemoryBreakdown,
} from './evaluate.js';
export {
  COLOCATE_GPUS,
  COLOCATE_GPU_NAMES,
  type ColocateGpu,
  type ColocateGpuName,
} from './gpus.js';
export { COLOCATE_MODELS, COLOCATE_MODEL_NAMES, type ColocateModelName } from './llm-models.js';
export {
  colocationInputSchema,
  parseColocationInput,
  type ColocationInput,
  type ColocationInputSpec,
} from './model.js';
export { WHISPER_MODELS, WHISPER_SIZES, type WhisperSize } from './whisper.js';
