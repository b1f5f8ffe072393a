import { describe, expectTypeOf, it } from 'vitest';
import type { Input as ColocateProgramInput } from '../../../programs/colocate/initial.js';
import type { Input as LlmProgramInput } from '../../../programs/llm/initial.js';
import type { Instance as PrismProgramInstance } from '../../../programs/prism/initial.js';
import type { ColocateTaskInput } from '../../problems/colocate/task.js';
import type { LlmTaskInput } from '../../problems/llm/task.js';
import type { PrismInstance } from '../../problems/prism/model.js';

// An initial program is evolved, and run in a sandbox, on its own: it cannot import the task's
// types, so it states them again. These checks (by `npm run typecheck`) keep the two the same.
describe('initial programs state their task input exactly', () => {
  it('colocate', () => {
    expectTypeOf<ColocateProgramInput>().toEqualTypeOf<ColocateTaskInput>();
  });
  it('llm', () => {
    expectTypeOf<LlmProgramInput>().toEqualTypeOf<LlmTaskInput>();
  });
  it('prism', () => {
    expectTypeOf<PrismProgramInstance['models']>().toEqualTypeOf<PrismInstance['models']>();
  });
});
