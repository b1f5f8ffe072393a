import { z } from 'zod';
import type { Language } from './genomes/program/index.js';

/** What an evaluator says about one program. Scores: higher is better. */
export const evaluationSchema = z.object({
  combinedScore: z.number().finite(),
  correct: z.boolean(),
  public: z.record(z.string(), z.unknown()).default({}),
  private: z.record(z.string(), z.unknown()).default({}),
  textFeedback: z.string().default(''),
});
export type Evaluation = z.infer<typeof evaluationSchema>;

/** An evaluation plus what the sandbox saw while it ran. */
export interface EvaluationRecord extends Evaluation {
  stdout: string;
  stderr: string;
  evalMs: number;
}

/** Limits every evaluation of a run gets (the sandbox enforces them). */
export interface EvaluationLimits {
  timeoutMs: number;
  memoryMb: number;
  maxOutputBytes: number;
}

/**
 * A problem the engine can evolve programs for. `evaluate` must run the program outside the
 * engine's process (the sandbox) and must never trust what the program reports about itself.
 */
export interface Task {
  /** `prism`, `eplb`, or the external task's directory. */
  readonly name: string;
  /** Told to the LLM: what the program does and what a better score means. */
  readonly description: string;
  readonly language: Language;
  /** File name the program is written to (its extension tells the language). */
  readonly programFile: string;
  readonly initialProgram: string;
  /**
   * `signal` aborts when the run stops: an evaluation that has not started by then (a job no
   * worker has taken) is withdrawn, rejecting with EvaluationWithdrawn; one under way finishes
   * within `limits`. Evaluations on this machine start at once: only the queue's can be withdrawn.
   */
  evaluate(code: string, limits: EvaluationLimits, signal?: AbortSignal): Promise<EvaluationRecord>;
}

/** An evaluation withdrawn before it started because the run stopped: it has no result to store. */
export class EvaluationWithdrawn extends Error {
  override readonly name = 'EvaluationWithdrawn';
}

/** null for an EvaluationWithdrawn (the caller stores nothing of it); any other error again. */
export function withdrawnAsNull(error: unknown): null {
  if (error instanceof EvaluationWithdrawn) return null;
  throw error;
}

/**
 * Why a results `file` the sandbox cut at the output limit gives no result. Read cut short it
 * would only look malformed, sending the user, and the LLM, after the wrong fault.
 */
export function overOutputLimit(file: string, limits: EvaluationLimits): string {
  return `${file} is larger than the output limit of ${limits.maxOutputBytes / 1024} KiB (evaluation.maxOutputKb)`;
}

/** A failed evaluation: incorrect, scored 0, with the reason for the LLM. */
export function failedEvaluation(
  reason: string,
  sandbox: { stdout: string; stderr: string; evalMs: number },
): EvaluationRecord {
  return {
    combinedScore: 0,
    correct: false,
    public: {},
    private: {},
    textFeedback: reason,
    ...sandbox,
  };
}

/** How a stored program records its evaluation. */
export function evaluationFields(e: EvaluationRecord) {
  return {
    publicMetrics: e.public,
    privateMetrics: e.private,
    combinedScore: e.combinedScore,
    correct: e.correct,
    textFeedback: e.textFeedback,
    stdout: e.stdout,
    stderr: e.stderr,
    evalMs: e.evalMs,
  };
}
