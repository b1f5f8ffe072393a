import { safetyProblem } from '../../evolve/genomes/params/safety.js';
import type { Guardrail, PromotedValue } from './schema.js';

/**
 * The first promoted value that breaks its guardrail, as `name = value is ...`, or null when all
 * keep them. A numeric bound on a value that is not a number is a violation, not a pass.
 */
export function guardrailViolation(
  params: Record<string, PromotedValue>,
  guardrails: Record<string, Guardrail>,
): string | null {
  for (const [name, guardrail] of Object.entries(guardrails)) {
    if (!Object.hasOwn(params, name)) continue;
    const value = params[name]!;
    const numeric = guardrail.min !== undefined || guardrail.max !== undefined;
    if (numeric && typeof value !== 'number')
      return `${name} = ${JSON.stringify(value)} is not a number, but its guardrail sets min/max`;
    const problem = safetyProblem(guardrail, value);
    if (problem) return `${name} ${problem.replaceAll('safety', 'guardrail')}`;
  }
  return null;
}
