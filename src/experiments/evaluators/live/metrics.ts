import { GPU_METRICS } from '../nvidia-smi.js';
import { LOAD_METRIC_SUFFIXES, TOKENS_METRIC_SUFFIX } from './load.js';
import type { LiveEvaluatorSettings } from './settings.js';

/**
 * Every metric the live evaluator can report with these settings: `healthyAfterMs` always,
 * `chat…` and `transcription…` (see loadMetrics; only chat answers report tokens) when that
 * load is configured, and the GPU's (see summariseGpu) when `nvidiaSmi` is. A spec that scores
 * another one is refused before the run: every candidate would fail for the missing metric.
 */
export function liveMetrics(settings: LiveEvaluatorSettings): string[] {
  const load = (prefix: string): string[] => LOAD_METRIC_SUFFIXES.map((s) => `${prefix}${s}`);
  return [
    'healthyAfterMs',
    ...(settings.chat ? [...load('chat'), `chat${TOKENS_METRIC_SUFFIX}`] : []),
    ...(settings.transcription ? load('transcription') : []),
    ...(settings.nvidiaSmi ? GPU_METRICS : []),
  ];
}
