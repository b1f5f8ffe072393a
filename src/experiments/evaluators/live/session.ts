import type { CommandRunner } from './commands.js';
import type { Deadline } from './deadline.js';
import type { Journal } from './journal.js';
import type { Audio } from './openai-load.js';
import type { OomWatch } from './oom-watch.js';
import type { Plan } from './plan.js';
import type { LiveEvaluatorSettings } from './settings.js';

/** Everything one evaluation works with. */
export interface Session {
  settings: LiveEvaluatorSettings;
  plan: Plan;
  /** The transcription load's audio, read once when the evaluator was made. */
  audio: Audio | null;
  runner: CommandRunner;
  watch: OomWatch;
  deadline: Deadline;
  timeoutMs: number;
  journal: Journal;
}
