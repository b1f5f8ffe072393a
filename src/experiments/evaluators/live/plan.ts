import type { Params } from '../../../evolve/genomes/params/index.js';
import { fillShellTemplate } from '../command.js';
import type { LiveEvaluatorSettings } from './settings.js';

/** A candidate's commands, filled in before anything runs. */
export interface Plan {
  apply: string[];
  restore: string[];
}

/** The candidate's plan; throws (naming the placeholder) before anything runs. */
export function planFor(settings: LiveEvaluatorSettings, params: Params): Plan {
  const fill = (templates: string[]) => templates.map((t) => fillShellTemplate(t, params));
  return { apply: fill(settings.apply), restore: fill(settings.restore) };
}
