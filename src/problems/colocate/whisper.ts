/**
 * Whisper model sizes: parameters, memory, speed and accuracy, from OpenAI's whisper README
 * ("Available models and languages") and paper (arXiv:2212.04356, LibriSpeech test-clean WER),
 * plus one absolute speed measurement that anchors the README's relative speeds.
 */

export const WHISPER_SIZES = ['tiny', 'base', 'small', 'medium', 'large-v3'] as const;
export type WhisperSize = (typeof WHISPER_SIZES)[number];

export interface WhisperModel {
  parametersM: number;
  /** README "Required VRAM", read as GiB (rounding up the README's approximate GB). */
  memGib: number;
  /** README speed relative to large (measured on an A100, English speech). */
  relativeSpeed: number;
  /** Word error rate on LibriSpeech test-clean, %. */
  werPercent: number;
}

/** large-v3 takes the README's "large" row and large-v2's WER: assumptions, see the doc. */
export const WHISPER_MODELS: Record<WhisperSize, WhisperModel> = {
  tiny: { parametersM: 39, memGib: 1, relativeSpeed: 10, werPercent: 5.6 },
  base: { parametersM: 74, memGib: 1, relativeSpeed: 7, werPercent: 4.2 },
  small: { parametersM: 244, memGib: 2, relativeSpeed: 4, werPercent: 3.1 },
  medium: { parametersM: 769, memGib: 5, relativeSpeed: 2, werPercent: 3.1 },
  'large-v3': { parametersM: 1550, memGib: 10, relativeSpeed: 1, werPercent: 2.7 },
};

/**
 * openai/whisper large-v2, fp16, beam 5: 13 minutes of audio in 4 min 30 s on a Tesla V100S
 * (faster-whisper README benchmark): seconds of GPU time per second of audio.
 */
export const LARGE_SECONDS_PER_AUDIO_SECOND = 270 / 780;
/** Tesla V100S memory bandwidth, GB/s: the GPU of that measurement. */
export const REFERENCE_BANDWIDTH_GBPS = 1134;
/** The reference clip `whisperLatencyMs` is reported for (Whisper's own 30 s window). */
export const REFERENCE_CLIP_SECONDS = 30;

/**
 * GPU seconds per second of audio for `size` on a GPU of `bandwidthGBps`: the anchor, scaled by
 * the README's relative speed and by memory bandwidth (decoding is memory-bound; an assumption).
 */
export function whisperSecondsPerAudioSecond(size: WhisperSize, bandwidthGBps: number): number {
  const bandwidthFactor = REFERENCE_BANDWIDTH_GBPS / bandwidthGBps;
  return (LARGE_SECONDS_PER_AUDIO_SECOND * bandwidthFactor) / WHISPER_MODELS[size].relativeSpeed;
}

/**
 * Mean time to transcribe the reference clip when `concurrentRequests` clips arrive together and
 * are served one after another (request k finishes after k clips): single × (n + 1) / 2.
 */
export function whisperLatencyMs(
  size: WhisperSize,
  bandwidthGBps: number,
  concurrentRequests: number,
): number {
  const single = whisperSecondsPerAudioSecond(size, bandwidthGBps) * REFERENCE_CLIP_SECONDS * 1000;
  return (single * (Math.max(1, concurrentRequests) + 1)) / 2;
}
