import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { didYouMean } from '../../core/near-miss.js';
import type { CaseSet, ProgramTaskSpec } from '../../core/program-task.js';
import { colocateTask } from '../../problems/colocate/task.js';
import { eplbTask } from '../../problems/eplb/task.js';
import { llmTask } from '../../problems/llm/task.js';
import { prismTask } from '../../problems/prism/task.js';
import type { Task } from '../task.js';
import { builtinTask } from './builtin.js';
import { externalTask, externalTasks } from './external.js';
import { BUILTIN_TASK_NAMES, isBuiltinTask, type BuiltinTaskName } from './names.js';

/** The built-in tasks, one per problem, by name. */
export const BUILTIN_TASKS: Record<BuiltinTaskName, (set: CaseSet) => ProgramTaskSpec> = {
  prism: prismTask,
  eplb: eplbTask,
  llm: llmTask,
  colocate: colocateTask,
};

/**
 * The task a run evolves: a built-in name or a directory with `evolve.yaml`. With `holdout`, it
 * scores on its held-out cases instead (an external task's `evaluate_holdout` command).
 */
export function resolveTask(name: string, set: CaseSet = 'run'): Task {
  if (isBuiltinTask(name)) return builtinTask(BUILTIN_TASKS[name](set));
  if (!existsSync(join(name, 'evolve.yaml'))) {
    const meant = existsSync(name) ? '' : didYouMean(basename(name), BUILTIN_TASK_NAMES);
    throw new UserError(
      `is neither a built-in task (${BUILTIN_TASK_NAMES.join(', ')}) nor a directory with evolve.yaml${meant}`,
      '--task',
      name,
    );
  }
  return externalTask(name, set);
}

/** The task on its held-out cases, or null for an external task that declares none. */
export function heldOutTask(name: string): Task | null {
  return isBuiltinTask(name) ? resolveTask(name, 'holdout') : externalTasks(name).holdout;
}
