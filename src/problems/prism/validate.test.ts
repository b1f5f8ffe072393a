import { describe, expect, it } from 'vitest';
import { parseInstances, toProblem } from './model.js';
import { validateAssignment, validatePlacement } from './validate.js';

const [instance] = parseInstances(
  {
    id: 'v',
    gpus: { count: 2, memGb: 80 },
    models: [
      { name: 'a', sizeGb: 50, reqRate: 6, slo: 2 },
      { name: 'b', sizeGb: 40, reqRate: 3, slo: 1 },
      { name: 'c', sizeGb: 20, reqRate: 1, slo: 1 },
    ],
    current: [0, 1, 1],
    maxMoves: 1,
  },
  'v.json',
);
const problem = toProblem(instance!);

describe('prism strict validator', () => {
  it('accepts a good placement and reports KVPR per GPU', () => {
    const report = validateAssignment(instance!, problem, [0, 1, 1]);
    expect(report.valid).toBe(true);
    expect(Array.from(report.kvpr!)).toEqual([3 / 30, 4 / 20]);
    expect(report.maxKvpr).toBe(0.2);
  });

  it('rejects a missing model', () => {
    expect(validatePlacement(instance!, problem, [[0], [1]]).errors).toEqual([
      'model "c" is not placed',
    ]);
    expect(validateAssignment(instance!, problem, [0, 1]).valid).toBe(false);
  });

  it('rejects a model placed twice', () => {
    const report = validatePlacement(instance!, problem, [
      [0, 2],
      [1, 2],
    ]);
    expect(report.valid).toBe(false);
    expect(report.errors).toContain('model "c" is placed twice (GPU 0 and GPU 1)');
  });

  it('rejects a memory overflow', () => {
    const report = validateAssignment(instance!, problem, [0, 0, 1]);
    expect(report.errors).toEqual(['GPU 0 holds 90 GB of models but has 80 GB']);
    expect(report.maxKvpr).toBe(Infinity);
  });

  it('rejects a GPU index that does not exist', () => {
    expect(validateAssignment(instance!, problem, [0, 2, 1]).errors).toEqual([
      'model "b" is on GPU 2, which does not exist (GPUs are 0..1)',
    ]);
    expect(validateAssignment(instance!, problem, [0, 1.5, 1]).valid).toBe(false);
    expect(
      validatePlacement(instance!, problem, [
        [0, 7],
        [1, 2],
      ]).errors,
    ).toContain('GPU 0 lists model 7, which does not exist');
  });

  it('rejects more moves than maxMoves', () => {
    expect(validateAssignment(instance!, problem, [0, 1, 0]).valid).toBe(true);
    expect(validateAssignment(instance!, problem, [1, 0, 1]).errors).toEqual([
      'the placement moves 2 models, more than maxMoves 1',
    ]);
  });
});
