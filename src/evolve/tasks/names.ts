/** The built-in tasks, one per problem that evolves programs; any other name is a task directory. */
export const BUILTIN_TASK_NAMES = ['prism', 'eplb', 'llm', 'colocate'] as const;
export type BuiltinTaskName = (typeof BUILTIN_TASK_NAMES)[number];

export function isBuiltinTask(name: string): name is BuiltinTaskName {
  return (BUILTIN_TASK_NAMES as readonly string[]).includes(name);
}
