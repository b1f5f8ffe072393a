import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eplbTask } from '../../problems/eplb/task.js';
import { llmTask } from '../../problems/llm/task.js';
import { prismTask } from '../../problems/prism/task.js';
import type { ProgramTaskSpec } from '../../core/program-task.js';
import { UserError } from '../../core/errors.js';
import type { Task } from '../task.js';
import { builtinTask } from './builtin.js';
import { externalTask } from './external.js';

/** The built-in tasks, one per problem, by name. */
export const BUILTIN_TASKS: Record<string, () => ProgramTaskSpec> = {
  prism: prismTask,
  eplb: eplbTask,
  llm: llmTask,
};

/** The task a run evolves: a built-in name or a directory with `evolve.yaml`. */
export function resolveTask(name: string): Task {
  const builtin = Object.hasOwn(BUILTIN_TASKS, name) ? BUILTIN_TASKS[name] : undefined;
  if (builtin) return builtinTask(builtin());
  if (!existsSync(join(name, 'evolve.yaml')))
    throw new UserError(
      `is neither a built-in task (${Object.keys(BUILTIN_TASKS).join(', ')}) nor a directory with evolve.yaml`,
      '--task',
      name,
    );
  return externalTask(name);
}
