import type { z, ZodType } from 'zod';
import { UserError } from '../../core/errors.js';
import { nearMiss } from '../../core/near-miss.js';
import { parseWith } from '../../core/schema.js';
import type { ExperimentSpec } from '../spec.js';
import {
  checkColocateParameters,
  colocateEvaluator,
  colocateEvaluatorSchema,
} from './colocate-model.js';
import { commandEvaluator, commandEvaluatorSchema, fillShellTemplate } from './command.js';
import { liveEvaluator, liveEvaluatorSchema } from './live.js';
import {
  checkPrismSolverParameters,
  prismSolverEvaluator,
  prismSolverEvaluatorSchema,
} from './prism-solver.js';
import type { Evaluator } from './types.js';

export type { Evaluator, EvaluationContext, Measurement } from './types.js';

/**
 * The evaluator a spec names, its settings checked by that evaluator's own schema, and the
 * search space checked against it (see each evaluator's check): everything that can be known
 * wrong before a run is refused here, as a UserError naming the spec file and the field.
 */
export function makeEvaluator(spec: ExperimentSpec, specPath: string, specDir: string): Evaluator {
  const evaluator = evaluatorOf(spec, specPath, specDir);
  const { reports } = evaluator;
  for (const metric of Object.keys(spec.metrics))
    if (reports && !reports.includes(metric)) {
      const meant = nearMiss(metric, reports);
      throw new UserError(
        `the ${evaluator.kind} evaluator does not report "${metric}", so every candidate would fail; ${meant ? `did you mean "${meant}"? It` : 'it'} reports ${reports.join(', ')}`,
        specPath,
        `metrics.${metric}`,
      );
    }
  return evaluator;
}

function evaluatorOf(spec: ExperimentSpec, specPath: string, specDir: string): Evaluator {
  const settings = <S extends ZodType>(schema: S) => evaluatorSettings(schema, spec, specPath);
  switch (spec.evaluator.kind) {
    case 'colocate-model': {
      const checked = settings(colocateEvaluatorSchema);
      checkColocateParameters(checked, spec, specPath);
      return colocateEvaluator(checked, specPath);
    }
    case 'prism-solver': {
      const checked = settings(prismSolverEvaluatorSchema);
      checkPrismSolverParameters(spec, specPath);
      return prismSolverEvaluator(checked);
    }
    case 'command': {
      const checked = settings(commandEvaluatorSchema);
      checkTemplates(spec, specPath, [['evaluator.command', checked.command]]);
      if (Object.hasOwn(spec.metrics, 'oom'))
        throw new UserError(
          'a command\'s "oom" says whether it ran out of memory (true or false) and is never read as a metric, so every candidate would lack it; give the metric another name',
          specPath,
          'metrics.oom',
        );
      return commandEvaluator(checked, specDir);
    }
    case 'live': {
      const checked = settings(liveEvaluatorSchema);
      checkTemplates(spec, specPath, [
        ...checked.apply.map((t, i) => [`evaluator.apply[${i}]`, t] as const),
        ...checked.restore.map((t, i) => [`evaluator.restore[${i}]`, t] as const),
      ]);
      return liveEvaluator(checked, specDir, specPath);
    }
  }
}

/**
 * The spec's `evaluator` checked by `schema`; a mistake names its field from the top of the
 * spec (`evaluator.health.url`), so that the error gets the line of that very key.
 */
function evaluatorSettings<S extends ZodType>(
  schema: S,
  spec: ExperimentSpec,
  specPath: string,
): z.output<S> {
  try {
    return parseWith(schema, spec.evaluator, specPath);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const field = error.field ? `evaluator.${error.field}` : 'evaluator';
    throw new UserError(error.message, specPath, field);
  }
}

/**
 * Every `{placeholder}` of a command template names a parameter of the search space: one that
 * does not would fail every candidate.
 */
function checkTemplates(
  spec: ExperimentSpec,
  source: string,
  templates: (readonly [field: string, template: string])[],
): void {
  const params = Object.fromEntries(Object.keys(spec.search_space).map((name) => [name, name]));
  for (const [field, template] of templates) {
    try {
      fillShellTemplate(template, params);
    } catch (error) {
      throw new UserError(
        `${(error as Error).message}; name a parameter, or write \${NAME} for an environment variable`,
        source,
        field,
      );
    }
  }
}
