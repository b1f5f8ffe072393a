import { Semaphore } from '../../core/semaphore.js';
import type { Params } from '../../evolve/genomes/params/index.js';
import { evaluateLive } from './live/evaluate.js';
import type { LiveEvaluatorSettings } from './live/settings.js';
import type { EvaluationContext, Evaluator, Measurement } from './types.js';

export { kernelMessage } from './live/kernel-log.js';
export {
  DEFAULT_OOM_PATTERNS,
  liveEvaluatorSchema,
  type LiveEvaluatorSettings,
} from './live/settings.js';

/**
 * The `live` evaluator (see liveEvaluatorSchema for what it does per candidate). `specDir` is
 * the spec's folder: commands start there and relative paths resolve against it.
 *
 * Time: the candidate phase (apply, health, load) ends at `context.timeoutMs` after the call,
 * when a command still running is killed with its process group; the restore then has its own
 * `restoreTimeoutSec`. Evaluations of one evaluator run one at a time, since candidates share
 * the machine: a call waits for the previous restore to finish, and that wait counts against
 * its own timeout. Never throws: failures come back as `error`, OOM evidence as `oom`.
 */
export function liveEvaluator(settings: LiveEvaluatorSettings, specDir: string): Evaluator {
  const patterns = settings.oomPatterns.map((source) => new RegExp(source, 'i'));
  const oneAtATime = new Semaphore(1);
  return {
    kind: 'live',
    enforcesDeadline: true,
    evaluate(params: Params, context: EvaluationContext): Promise<Measurement> {
      const end = performance.now() + context.timeoutMs;
      return oneAtATime.run(() => evaluateLive(settings, specDir, patterns, params, context, end));
    },
  };
}
