import { describe, expect, it } from 'vitest';
import { userErrorText } from '../../../test/helpers.js';
import { checkShape, parseLoadHistory } from './model.js';

const step = (rows: unknown[][]) => ({ logical_expert_load: rows });

describe('eplb load history reader', () => {
  it('sums steps into windows; a partial last window counts', () => {
    const history = { load_history: [step([[1, 2]]), step([[3, 4]]), step([[5, 6]])] };
    const windows = parseLoadHistory(history, 'h.json', 2);
    expect(windows.map((w) => Array.from(w.data))).toEqual([
      [4, 6],
      [5, 6],
    ]);
    expect(windows[0]).toMatchObject({ layers: 1, experts: 2 });
  });

  it('keeps each window in slices of a tenth of its steps, oldest first', () => {
    const history = {
      load_history: Array.from({ length: 25 }, (_, s) => step([[s, 1]])),
    };
    const windows = parseLoadHistory(history, 'h.json', 20);
    // Slices of ceil(20 / 10) = 2 steps; the partial last window has 5 steps: 3 slices.
    expect(windows.map((w) => w.slices?.length)).toEqual([10, 3]);
    expect(Array.from(windows[0]!.slices![0]!)).toEqual([0 + 1, 2]);
    expect(Array.from(windows[1]!.slices![2]!)).toEqual([24, 1]);
    for (const w of windows) {
      const summed = w.slices!.reduce((a, b) => a.map((v, i) => v + b[i]!));
      expect(Array.from(summed)).toEqual(Array.from(w.data));
    }
  });

  it.each([
    [
      { load_history: [step([[1, 2]]), step([[1, 2, 3]])] },
      'h.json: load_history[1].logical_expert_load[0]: has 3 experts, expected 2 (a ragged matrix)',
    ],
    [
      { load_history: [step([[1, 2]]), step([[1], [2]])] },
      'load_history[1].logical_expert_load: has 2 layers, step 0 has 1',
    ],
    [
      { load_history: [step([[1, -2]])] },
      'load_history[0].logical_expert_load[0][1]: load -2 is not a number from 0 to 1000000000000',
    ],
    [{ load_history: [step([[1, 'NaN']])] }, 'load "NaN" is not a number from 0'],
    // Finite, but sums of it would overflow to Infinity.
    [{ load_history: [step([[1e308, 1]])] }, 'load 1e+308 is not a number from 0'],
    [{ load_history: [] }, 'load_history: load_history is empty'],
    [{ history: [] }, 'h.json: load_history: no load_history; expected {"load_history": [{'],
    [
      { load_histroy: [] },
      'h.json: load_histroy: no load_history; did you mean it by "load_histroy"?',
    ],
    [
      [step([[1, 2]])],
      'h.json: expected vLLM\'s recorded expert load, {"load_history": [{"logical_expert_load": [[...]]}, ...]}; the file holds a bare list',
    ],
    [
      { load_history: [{ logical_expert_laod: [[1]] }] },
      'load_history[0].logical_expert_load: expected logical_expert_load as [layers][experts]',
    ],
  ])('rejects bad input with its location (%#)', (data, expected) => {
    expect(userErrorText(() => parseLoadHistory(data, 'h.json', 100))).toContain(expected);
  });

  it.each([
    [
      { replicas: 8, groups: 2, nodes: 1, gpus: 2 },
      12,
      '--replicas: 8 replicas cannot hold 12 experts',
    ],
    [
      { replicas: 16, groups: 5, nodes: 1, gpus: 2 },
      12,
      '--groups: 12 experts do not split into 5 equal groups',
    ],
    [
      { replicas: 16, groups: 4, nodes: 1, gpus: 3 },
      12,
      '--gpus: 16 replicas do not split evenly over 3 GPUs',
    ],
    [
      { replicas: 16, groups: 4, nodes: 3, gpus: 8 },
      12,
      '--nodes: 8 GPUs do not split evenly over 3 nodes',
    ],
    [
      { replicas: 1_000_000, groups: 1, nodes: 1, gpus: 1 },
      1,
      '--replicas: 1000000 replicas a layer is more than the 16384 allowed',
    ],
    [
      { replicas: 4096, groups: 1, nodes: 1, gpus: 4096 },
      1,
      '--gpus: 4096 GPUs is more than the 1024 allowed',
    ],
  ])('rejects counts that do not divide, or beyond the limits (%#)', (shape, experts, expected) => {
    expect(userErrorText(() => checkShape(shape, 2, experts))).toContain(expected);
  });

  it('limits the slots of a plan: layers × replicas', () => {
    const shape = { replicas: 16_384, groups: 1, nodes: 1, gpus: 1024 };
    expect(() => checkShape(shape, 64, 1)).not.toThrow();
    expect(userErrorText(() => checkShape(shape, 65, 1))).toContain(
      '65 layers × 16384 replicas is more than the 1048576 slots a plan may hold',
    );
  });
});
