import { resolve } from 'node:path';
import type { Params } from '../../../evolve/genomes/params/index.js';
import type { EvaluationContext, Measurement } from '../types.js';
import { measureCandidate, type CandidateOutcome } from './candidate.js';
import { CommandRunner } from './commands.js';
import { Deadline } from './deadline.js';
import { Journal } from './journal.js';
import type { Audio } from './openai-load.js';
import { OomWatch } from './oom-watch.js';
import { planFor, type Plan } from './plan.js';
import { restoreBaseline } from './restore.js';
import type { Session } from './session.js';
import type { LiveEvaluatorSettings } from './settings.js';

function failed(error: string): Measurement {
  return { metrics: {}, oom: false, error, log: '' };
}

/** What every candidate of one evaluator shares: its settings, folder, OOM patterns and audio. */
export interface LiveSetup {
  settings: LiveEvaluatorSettings;
  specDir: string;
  patterns: RegExp[];
  audio: Audio | null;
}

/**
 * One candidate, start to end: plan it (nothing runs when a template is wrong), measure it
 * until its deadline at `end`, then, whatever happened, restore the baseline. OOM evidence
 * from the candidate phase and from the logs makes `oom`; the candidate's and the restore's
 * problems together make `error`. Never throws.
 */
export async function evaluateLive(
  setup: LiveSetup,
  params: Params,
  context: EvaluationContext,
  end: number,
): Promise<Measurement> {
  const { settings, specDir, patterns, audio } = setup;
  let plan: Plan;
  try {
    plan = planFor(settings, params);
  } catch (error) {
    return failed((error as Error).message);
  }
  if (context.signal?.aborted) return failed('the evaluation was stopped before it started');
  if (end <= performance.now())
    return failed(
      "the candidate's timeout passed while the previous candidate's baseline was being restored",
    );
  let runner: CommandRunner;
  try {
    runner = new CommandRunner(specDir, {
      ...process.env,
      ...settings.env,
      EVOPLACE_SPEC_DIR: specDir,
    });
  } catch (error) {
    return failed(`cannot prepare the evaluation: ${(error as Error).message}`);
  }
  const session: Session = {
    settings,
    plan,
    audio,
    runner,
    watch: new OomWatch(
      settings.logFiles.map((path) => resolve(specDir, path)),
      patterns,
      settings.kernelLog,
    ),
    deadline: new Deadline(end, context.signal),
    timeoutMs: context.timeoutMs,
    journal: new Journal(),
  };
  let outcome: CandidateOutcome = { metrics: {}, error: null, oom: [] };
  let restoreProblem: string | null;
  try {
    outcome = await measureCandidate(session);
  } catch (error) {
    outcome.error = `the live evaluation failed: ${(error as Error).message}`;
  } finally {
    session.deadline.dispose();
    session.watch.poll();
    session.watch.close();
    restoreProblem = await restoreBaseline(session).catch(
      (error: unknown) => `restoring the baseline failed: ${(error as Error).message}`,
    );
    session.runner.dispose();
  }
  const oom = [...outcome.oom, ...session.watch.found];
  for (const line of oom) session.journal.note(`OOM: ${line}`);
  const error = [outcome.error, restoreProblem].filter((e) => e !== null).join('; ');
  return {
    metrics: outcome.metrics,
    oom: oom.length > 0,
    error: error || null,
    log: session.journal.text(),
  };
}
