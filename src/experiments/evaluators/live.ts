import { basename, resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { readFileBytes } from '../../core/io.js';
import { Semaphore } from '../../core/semaphore.js';
import type { Params } from '../../evolve/genomes/params/index.js';
import { evaluateLive, type LiveSetup } from './live/evaluate.js';
import { liveMetrics } from './live/metrics.js';
import type { Audio } from './live/openai-load.js';
import type { LiveEvaluatorSettings } from './live/settings.js';
import type { EvaluationContext, Evaluator, Measurement } from './types.js';

export { kernelMessage } from './live/kernel-log.js';
export {
  DEFAULT_OOM_PATTERNS,
  liveEvaluatorSchema,
  type LiveEvaluatorSettings,
} from './live/settings.js';

/** Audio clips above this are refused: OpenAI's transcription API takes at most 25 MB. */
const MAX_AUDIO_BYTES = 25 * 1024 * 1024;

/**
 * The transcription load's audio file (relative to the spec's folder), read once; a missing,
 * unreadable, special or oversized file is the spec's mistake (a UserError naming `source`).
 */
function readAudio(settings: LiveEvaluatorSettings, specDir: string, source: string): Audio | null {
  if (!settings.transcription) return null;
  const path = resolve(specDir, settings.transcription.audioFile);
  try {
    const bytes = readFileBytes(path, {
      maxBytes: MAX_AUDIO_BYTES,
      tooLarge: 'use a shorter clip',
    });
    return { name: basename(path), bytes };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(`${path}: ${error.message}`, source, 'evaluator.transcription.audioFile');
  }
}

/**
 * The `live` evaluator (see liveEvaluatorSchema for what it does per candidate). `specDir` is
 * the spec's folder: commands start there and relative paths resolve against it. The audio
 * file of the transcription load is read here, once (a problem with it is a UserError naming
 * `source`, the spec).
 *
 * Time: the candidate phase (apply, health, load) ends at `context.timeoutMs` after the call,
 * when a command still running is killed with its process group; the restore then has its own
 * `restoreTimeoutSec`. Evaluations of one evaluator run one at a time, since candidates share
 * the machine: a call waits for the previous restore to finish, and that wait counts against
 * its own timeout. Never throws: failures come back as `error`, OOM evidence as `oom`.
 */
export function liveEvaluator(
  settings: LiveEvaluatorSettings,
  specDir: string,
  source = 'the live evaluator',
): Evaluator {
  const setup: LiveSetup = {
    settings,
    specDir,
    patterns: settings.oomPatterns.map((pattern) => new RegExp(pattern, 'i')),
    audio: readAudio(settings, specDir, source),
  };
  const oneAtATime = new Semaphore(1);
  return {
    kind: 'live',
    enforcesDeadline: true,
    reports: liveMetrics(settings),
    evaluate(params: Params, context: EvaluationContext): Promise<Measurement> {
      const end = performance.now() + context.timeoutMs;
      return oneAtATime.run(() => evaluateLive(setup, params, context, end));
    },
  };
}
