import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { CaseSet, ProgramTaskSpec } from '../../core/program-task.js';
import { colocateTask } from '../../problems/colocate/task.js';
import { eplbTask } from '../../problems/eplb/task.js';
import { llmTask } from '../../problems/llm/task.js';
import { prismTask } from '../../problems/prism/task.js';
import type { Task } from '../task.js';
import { builtinTask } from './builtin.js';
import { externalTask } from './external.js';
import { BUILTIN_TASK_NAMES, isBuiltinTask, type BuiltinTaskName } from './names.js';

/** The built-in tasks, one per problem, by name. */
export const BUILTIN_TASKS: Record<BuiltinTaskName, (set: CaseSet) => ProgramTaskSpec> = {
  prism: prismTask,
  eplb: eplbTask,
  llm: llmTask,
  colocate: colocateTask,
};

/**
 * The task a run evolves: a built-in name or a directory with `evolve.yaml`. With `holdout`, a
 * built-in task scores on its held-out cases instead (an external task has none of ours).
 */
export function resolveTask(name: string, set: CaseSet = 'run'): Task {
  if (isBuiltinTask(name)) return builtinTask(BUILTIN_TASKS[name](set));
  if (set === 'holdout')
    throw new UserError(
      'has no held-out cases: only the built-in tasks do (an external task scores as its evaluate command says)',
      '--task',
      name,
    );
  if (!existsSync(join(name, 'evolve.yaml')))
    throw new UserError(
      `is neither a built-in task (${BUILTIN_TASK_NAMES.join(', ')}) nor a directory with evolve.yaml`,
      '--task',
      name,
    );
  return externalTask(name);
}
