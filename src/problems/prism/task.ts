import {
  incorrectAnswers,
  type CaseSet,
  type ProgramTaskSpec,
  type ScoredAnswers,
} from '../../core/program-task.js';
import { generate } from './generate.js';
import { toProblem, type PrismInstance } from './model.js';
import { seedMaxKvpr, seedScore } from './score.js';
import { validateAssignment } from './validate.js';

/** The seed benchmark: 50 cases drawn as the seed's evaluator draws them (seed 42). */
const CASES = 50;
const SEEDS: Record<CaseSet, number> = { run: 42, holdout: 43 };

/**
 * Score a candidate's answers on the instances: any invalid placement makes the program
 * incorrect (score 0); a null answer is a failed case, as the seed counts it. The combined
 * score is the seed's metric, 1 / mean(max KVPR) + success rate.
 */
export function scorePrismAnswers(instances: PrismInstance[], answers: unknown[]): ScoredAnswers {
  const values: (number | null)[] = [];
  for (let k = 0; k < instances.length; k++) {
    const answer = answers[k];
    if (answer === null) {
      values.push(null);
      continue;
    }
    const instance = instances[k]!;
    const problem = toProblem(instance);
    const report = Array.isArray(answer)
      ? validateAssignment(instance, problem, answer)
      : { valid: false, errors: ['the answer is not an array of GPU indices'] };
    if (!report.valid)
      return incorrectAnswers(
        `invalid placement for ${instance.id}: ${report.errors.slice(0, 3).join('; ')}`,
        { failedCase: instance.id },
      );
    values.push(seedMaxKvpr(problem, answer as number[]));
  }
  const placed = values.filter((v): v is number => v !== null);
  const meanMaxKvpr = placed.length ? placed.reduce((a, b) => a + b, 0) / placed.length : null;
  const successRate = placed.length / instances.length;
  return {
    correct: true,
    combinedScore: seedScore(values),
    public: { meanMaxKvpr, successRate },
    textFeedback:
      successRate < 1
        ? `${instances.length - placed.length} of ${instances.length} cases got no placement`
        : `all ${instances.length} cases placed; mean max KVPR ${meanMaxKvpr?.toFixed(6)}`,
  };
}

/** PRISM as an evolution task: the seed's program interface and benchmark, scored strictly. */
export function prismTask(set: CaseSet = 'run'): ProgramTaskSpec {
  const instances = generate('seed', CASES, SEEDS[set]);
  return {
    name: 'prism',
    description:
      'PRISM: place every model on exactly one GPU so that the models on a GPU fit its memory, ' +
      'minimising the worst GPU KV-cache pressure sum(reqRate/slo) / (memGb - sum(sizeGb)). ' +
      `Scored on ${CASES} seeded instances by the seed's metric 1/mean(max KVPR) + success rate ` +
      '(higher is better). An invalid placement makes the program incorrect. Export ' +
      '`place(instance)` returning the GPU index of each model, or null when it cannot place them.',
    entry: 'place',
    inputs: instances.map((i) => [{ gpuMemGb: i.gpuMemGb, models: i.models }]),
    score: (answers) => scorePrismAnswers(instances, answers),
  };
}
