import { UserError } from '../../core/errors.js';
import { sandboxCapabilities, type SandboxCapabilities } from '../sandbox/index.js';
import type { Task } from '../task.js';
import { externalTaskContent } from './external.js';

/**
 * Refuse to evaluate an external task here when this machine cannot keep its commands from
 * reading this process's environment (its API keys) through /proc: without bubblewrap's private
 * file system or a PID namespace of its own, a Python evaluator shares our /proc. Built-in tasks
 * run under Node's permission model, which cannot read it. `allowUnisolated` accepts the risk.
 */
export function requireIsolation(
  task: Task,
  allowUnisolated: boolean,
  capabilities: SandboxCapabilities = sandboxCapabilities(),
): Task {
  if (externalTaskContent(task) === null || allowUnisolated) return task;
  if (capabilities.privateFilesystem || capabilities.pidNamespace) return task;
  throw new UserError(
    'this machine has neither bubblewrap nor user namespaces, so the task’s evaluation command ' +
      'could read this process’s environment (its API keys) through /proc: install bubblewrap ' +
      '(apt-get install bubblewrap), evaluate on workers that hold no keys (--redis), or set ' +
      '"evaluation: { allowUnisolated: true }" in the config to accept the risk',
    task.name,
    'evaluation.allowUnisolated',
  );
}
