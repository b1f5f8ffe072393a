import type { ZodType } from 'zod';
import { parseWith } from '../../core/schema.js';
import type { ExperimentSpec } from '../spec.js';
import { colocateEvaluator, colocateEvaluatorSchema } from './colocate-model.js';
import { commandEvaluator, commandEvaluatorSchema } from './command.js';
import { liveEvaluator, liveEvaluatorSchema } from './live.js';
import { prismSolverEvaluator, prismSolverEvaluatorSchema } from './prism-solver.js';
import type { Evaluator } from './types.js';

export type { Evaluator, EvaluationContext, Measurement } from './types.js';

/** The evaluator a spec names, its settings checked by that evaluator's own schema. */
export function makeEvaluator(spec: ExperimentSpec, specPath: string, specDir: string): Evaluator {
  const settings = <S extends ZodType>(schema: S) =>
    parseWith(schema, spec.evaluator, specPath, 'evaluator');
  switch (spec.evaluator.kind) {
    case 'colocate-model':
      return colocateEvaluator(settings(colocateEvaluatorSchema), specPath);
    case 'prism-solver':
      return prismSolverEvaluator(settings(prismSolverEvaluatorSchema));
    case 'command':
      return commandEvaluator(settings(commandEvaluatorSchema), specDir);
    case 'live':
      return liveEvaluator(settings(liveEvaluatorSchema), specDir);
  }
}
