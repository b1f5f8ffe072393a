import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The source of a built-in task's initial program, shipped as `programs/<task>/initial.ts`
 * at the package root (the same relative place from `src/` and from `dist/`).
 */
export function initialProgram(task: string): string {
  return readFileSync(
    fileURLToPath(new URL(`../../../programs/${task}/initial.ts`, import.meta.url)),
    'utf8',
  );
}
