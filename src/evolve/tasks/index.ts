import type { Task } from '../task.js';
import { eplbTask } from './eplb.js';
import { externalTask } from './external.js';
import { prismTask } from './prism.js';

/** The task a run evolves: a built-in name or a directory with `evolve.yaml`. */
export function resolveTask(name: string): Task {
  if (name === 'prism') return prismTask();
  if (name === 'eplb') return eplbTask();
  return externalTask(name);
}
