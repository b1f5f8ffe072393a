import type { ProgramTaskSpec } from '../../core/program-task.js';
import {
  failedEvaluation,
  type EvaluationLimits,
  type EvaluationRecord,
  type Task,
} from '../task.js';
import { initialProgram } from './initial-programs.js';
import { runNodeCandidate } from './node-candidate.js';

/**
 * A built-in problem's task for the engine: the TypeScript program runs in the sandbox on each
 * of the problem's inputs, and its answers go to the problem's own scorer. The public metrics
 * add how long the program's calls took in all (`ms`) and each on average (`msPerCall`).
 */
export function builtinTask(spec: ProgramTaskSpec): Task {
  return {
    name: spec.name,
    description: spec.description,
    language: 'typescript',
    programFile: 'program.ts',
    initialProgram: initialProgram(spec.name),
    async evaluate(code: string, limits: EvaluationLimits): Promise<EvaluationRecord> {
      const run = await runNodeCandidate(code, 'typescript', spec.entry, spec.inputs, limits);
      const logs = {
        stdout: run.sandbox?.stdout ?? '',
        stderr: run.sandbox?.stderr ?? '',
        evalMs: run.sandbox?.ms ?? 0,
      };
      if (!run.ok) return failedEvaluation(run.reason, logs);
      let scored;
      try {
        scored = spec.score(run.outputs);
      } catch (error) {
        // A scorer is strict about answers, but an answer must never stop the run.
        return failedEvaluation(
          `the answers could not be scored: ${(error as Error).message}`,
          logs,
        );
      }
      const ms = run.ms.reduce((a, b) => a + b, 0);
      const speed = { ms, msPerCall: ms / Math.max(1, run.ms.length) };
      return { ...scored, public: { ...scored.public, ...speed }, private: {}, ...logs };
    },
  };
}
