import { describe, expect, it } from 'vitest';
import { userErrorText } from '../../../test/helpers.js';
import { parseInstances, toInstanceFile, toProblem } from './model.js';

const ok = {
  id: 'a',
  gpus: { count: 2, memGb: 80 },
  models: [
    { name: 'm0', sizeGb: 20, reqRate: 4, slo: 8 },
    { name: 'm1', sizeGb: 30, reqRate: 2, slo: 5 },
  ],
};

const problemOf = (data: unknown): string => userErrorText(() => parseInstances(data, 'in.json'));

describe('prism instance format', () => {
  it('reads ours, a list of GPUs, and the seed’s snake_case names (extra fields ignored)', () => {
    const [a] = parseInstances(ok, 'in.json');
    expect(a!.gpuMemGb).toEqual([80, 80]);
    const seed = parseInstances(
      {
        gpu_num: 3,
        models: [{ model_name: 'x', model_size: 10, req_rate: 5, slo: 7, cur_gpu_id: 0 }],
        optimalMaxKvpr: 1,
      },
      's.json',
    );
    expect(seed[0]).toEqual({
      id: 'instance-0',
      gpuMemGb: [80, 80, 80],
      models: [{ name: 'x', sizeGb: 10, reqRate: 5, slo: 7 }],
    });
    const hetero = parseInstances({ ...ok, gpus: [{ memGb: 40 }, { memGb: 141 }] }, 'h.json');
    expect(hetero[0]!.gpuMemGb).toEqual([40, 141]);
    expect(toProblem(hetero[0]!).load[0]).toBe(0.5);
  });

  it('reads a pool of GPU groups, count defaulting to 1', () => {
    const [a] = parseInstances(
      { ...ok, gpus: [{ count: 2, memGb: 40 }, { memGb: 141 }] },
      'g.json',
    );
    expect(a!.gpuMemGb).toEqual([40, 40, 141]);
  });

  it('reads max_moves as maxMoves; a limit of at least every model is none', () => {
    const [a] = parseInstances({ ...ok, current: [0, 1], max_moves: 1 }, 'in.json');
    expect(a!.maxMoves).toBe(1);
    expect(toProblem(a!).maxMoves).toBe(1);
    for (const maxMoves of [2, 1e300]) {
      const [b] = parseInstances({ ...ok, current: [0, 1], maxMoves }, 'in.json');
      expect(toProblem(b!).maxMoves).toBe(Infinity);
    }
  });

  it('round-trips through the file form', () => {
    const [a] = parseInstances({ ...ok, current: [0, 1], maxMoves: 1 }, 'in.json');
    expect(parseInstances(toInstanceFile(a!), 'again.json')[0]).toEqual(a);
  });

  it.each([
    [
      { ...ok, models: [{ ...ok.models[0], sizeGb: -1 }] },
      'instance "a" (#0): models[0].sizeGb: sizeGb must be > 0',
    ],
    [{ ...ok, models: [{ ...ok.models[0], slo: 0 }] }, 'models[0].slo: slo must be >= 0.000001'],
    // A load of 1e9 / 1e-320 would be infinite.
    [
      { ...ok, models: [{ ...ok.models[0], slo: 1e-320 }] },
      'models[0].slo: slo must be >= 0.000001',
    ],
    [
      { ...ok, maxmoves: 0, current: [0, 0] },
      'maxmoves: unknown field "maxmoves"; did you mean "maxMoves"?',
    ],
    [
      { ...ok, gpu_num: 1, gpu_mem_gb: 20 },
      'gpu_num: gives the pool twice (gpus and gpu_num); keep gpus, or gpu_num with gpu_mem_gb',
    ],
    [
      { id: 'a', gpu_mem_gb: 40, models: ok.models },
      'gpu_mem_gb: needs gpu_num beside it (or describe the pool with gpus)',
    ],
    [
      { id: 'a', gpu_num: 2, gpu_mem_gb: null, models: ok.models },
      'gpu_mem_gb: expected gpu_mem_gb as a number of GB, got null',
    ],
    [
      { ...ok, models: [ok.models[0], { ...ok.models[1], Slo: 2 }] },
      'models[1].Slo: unknown field "Slo"; did you mean "slo"?',
    ],
    [
      {
        ...ok,
        gpus: { count: 100_000, memGb: 80 },
        models: Array.from({ length: 10_001 }, (_, i) => ({ ...ok.models[0], name: `m${i}` })),
      },
      'models: 10001 models on 100000 GPUs is more than the 1000000000 models × GPUs an instance may have',
    ],
    [
      { ...ok, models: [{ ...ok.models[0], reqRate: '3' }] },
      'models[0].reqRate: expected reqRate as a finite number',
    ],
    [
      { ...ok, models: [{ ...ok.models[0], sizeGb: Number.POSITIVE_INFINITY }] },
      'models[0].sizeGb: expected sizeGb as a finite number',
    ],
    [
      { ...ok, models: [{ ...ok.models[0], sizeGb: 1e300 }] },
      'models[0].sizeGb: 1e+300 GB is more than any GPU holds (at most 2048 GB)',
    ],
    // MB typed as GB: no GPU holds that much, so it is refused with the likely reading.
    [
      { ...ok, models: [{ ...ok.models[0], sizeGb: 16384 }] },
      'models[0].sizeGb: 16384 GB is more than any GPU holds (at most 2048 GB); is it in MB? (16384 MB = 16 GB)',
    ],
    [
      { ...ok, gpus: { count: 2, memGb: 81920 } },
      'gpus.memGb: 81920 GB is more than any GPU holds (at most 2048 GB); is it in MB? (81920 MB = 80 GB)',
    ],
    [
      { id: 'a', gpu_num: 2, gpu_mem_gb: 81920, models: ok.models },
      'gpus.memGb: 81920 GB is more than any GPU holds',
    ],
    [{ ...ok, models: [{ name: 'm0', sizeGb: 1, slo: 1 }] }, 'models[0].reqRate'],
    [
      { ...ok, gpus: { count: 0, memGb: 80 } },
      'gpus.count: expected a whole number of GPUs from 1 to 100000, got 0',
    ],
    [
      { ...ok, gpus: { count: 2.5, memGb: 80 } },
      'gpus.count: expected a whole number of GPUs from 1 to 100000, got 2.5',
    ],
    [{ ...ok, gpus: { memGb: 80 } }, 'gpus.count: missing; expected a whole number of GPUs'],
    [
      { ...ok, gpus: [{ memGb: 80 }, { count: 2.5, memGb: 80 }] },
      'gpus[1].count: expected a whole number of GPUs from 1 to 100000, got 2.5',
    ],
    [
      { ...ok, gpus: [{ memGb: 80 }, { memGb: '80' }] },
      'gpus[1].memGb: expected memory in GB, above 0, got "80"',
    ],
    [
      {
        ...ok,
        gpus: [
          { count: 60_000, memGb: 80 },
          { count: 60_000, memGb: 80 },
        ],
      },
      'gpus: 120000 GPUs in all; at most 100000 GPUs',
    ],
    [{ ...ok, gpus: [80, 80] }, 'gpus: expected gpus as {"count", "memGb"} or a list of'],
    // A key one of ours but for case or underscores, at every level of the instance.
    [
      { ...ok, gpus: [{ memGb: 80 }, { memgb: 80 }] },
      'gpus[1].memgb: unknown field "memgb"; did you mean "memGb"?',
    ],
    [
      { ...ok, gpus: { count: 2, memGb: 80, Count: 3 } },
      'gpus.Count: unknown field "Count"; did you mean "count"?',
    ],
    [
      { id: 'a', gpuNum: 2, models: ok.models },
      'gpuNum: unknown field "gpuNum"; did you mean "gpu_num"?',
    ],
    // A letter or two off (one in a short key), silently ignored before.
    [
      { ...ok, current: [0, 0], maxMove: 0 },
      'maxMove: unknown field "maxMove"; did you mean "maxMoves"?',
    ],
    [
      { ...ok, gpus: [{ memGib: 80 }] },
      'gpus[0].memGib: unknown field "memGib"; did you mean "memGb"?',
    ],
    [
      { ...ok, models: [{ ...ok.models[0], reqRat: 3 }] },
      'models[0].reqRat: unknown field "reqRat"; did you mean "reqRate"?',
    ],
    [
      { ...ok, models: [{ ...ok.models[0], Model_Size: 3 }] },
      'models[0].Model_Size: unknown field "Model_Size"; did you mean "model_size"?',
    ],
    // One field under both its names: one value would silently win.
    [
      { ...ok, models: [ok.models[0], { ...ok.models[1], req_rate: 9 }] },
      'instance "a" (#0): models[1]: "req_rate" and "reqRate" are the same field; give it once',
    ],
    [
      { ...ok, current: [0, 0], maxMoves: 1, max_moves: 2 },
      'instance "a" (#0): "max_moves" and "maxMoves" are the same field; give it once',
    ],
    [
      { ...ok, id: '' },
      'instance "" (#0): id: must not be empty; give the instance a name, or leave id out',
    ],
    [{ ...ok, id: 1.5 }, 'id: expected id as text or a whole number, got 1.5'],
    [
      { ...ok, current: [0, 0], maxMoves: 1.5 },
      'maxMoves: expected maxMoves as a whole number ≥ 0 (how many models may change GPU), got 1.5',
    ],
    [
      { ...ok, current: [0, 0], max_moves: -1 },
      'maxMoves: expected maxMoves as a whole number ≥ 0',
    ],
    [{ ...ok, current: [0, 0], maxMoves: '1' }, 'got "1"'],
    [{ ...ok, models: [5] }, 'models[0]: expected a model as {name, sizeGb, reqRate, slo}, got 5'],
    ['x', 'instance #0: expected an instance as {id, gpus, models}, got "x"'],
    [{ ...ok, gpus: [] }, 'gpus must list at least one GPU'],
    [
      { ...ok, models: [ok.models[0], ok.models[0]] },
      'models[1].name: duplicate model name "m0" (also models[0])',
    ],
    [{ ...ok, current: [0] }, 'current: current has 1 entries but there are 2 models'],
    [{ ...ok, current: [0, 2] }, 'current[1]: GPU index 2 does not exist; expected 0..1'],
    [{ ...ok, maxMoves: 1 }, 'maxMoves: maxMoves needs the current placement'],
    [{ models: ok.models }, 'gpus'],
    [[ok, ok], 'instance "a" (#1): id: duplicate instance id "a"'],
    [[], 'the file holds no instance'],
  ])('rejects bad input with a message naming instance and field (%#)', (data, message) => {
    const text = problemOf(data);
    expect(text.startsWith('in.json: ')).toBe(true);
    expect(text).toContain(message);
  });
});
