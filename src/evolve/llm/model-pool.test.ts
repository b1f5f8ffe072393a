import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelPool, type ModelChoice } from './model-pool.js';

/** Run `rounds` select/record cycles where `rewardOf` gives each model's improvement. */
function simulate(
  pool: ModelPool,
  rounds: number,
  rewardOf: (model: string) => number,
): ModelChoice[] {
  const choices: ModelChoice[] = [];
  for (let round = 0; round < rounds; round++) {
    const choice = pool.select();
    choices.push(choice);
    pool.record(choice.model, rewardOf(choice.model));
  }
  return choices;
}

const count = (choices: ModelChoice[], model: string) =>
  choices.filter((c) => c.model === model).length;

describe('ModelPool', () => {
  it('chooses a model that never helps much less often than one that does', () => {
    const pool = new ModelPool(['useless', 'helpful'], [0.7], 42);
    const choices = simulate(pool, 200, (model) => (model === 'helpful' ? 0.05 : 0));
    expect(count(choices, 'helpful')).toBeGreaterThan(160);
    expect(count(choices, 'useless')).toBeGreaterThanOrEqual(1);
  });

  it('prefers the helpful model for any seed and reward scale (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        (seed, gain) => {
          const pool = new ModelPool(['a', 'b'], [0.5, 1.0], seed);
          const choices = simulate(pool, 200, (model) => (model === 'b' ? gain : -gain));
          expect(count(choices, 'b')).toBeGreaterThan(2 * count(choices, 'a'));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('tries every model before repeating one', () => {
    const pool = new ModelPool(['a', 'b', 'c', 'd'], [1], 7);
    const first = simulate(pool, 4, () => 1).map((choice) => choice.model);
    expect(new Set(first).size).toBe(4);
  });

  it('spreads concurrent selections whose rewards are still pending', () => {
    const pool = new ModelPool(['a', 'b', 'c'], [1], 3);
    const inFlight = [pool.select(), pool.select(), pool.select()].map((choice) => choice.model);
    expect(new Set(inFlight).size).toBe(3);
  });

  it('forgets a cancelled selection', () => {
    const pool = new ModelPool(['a', 'b'], [1], 3);
    pool.record('a', 1);
    pool.record('b', 0);
    // Left pending, five selections of 'a' would hand the next one to 'b' for exploration.
    for (let round = 0; round < 20; round++) {
      const choice = pool.select();
      expect(choice.model).toBe('a');
      pool.cancel(choice.model);
    }
    expect(pool.stats().map((stats) => stats.pulls)).toEqual([1, 1]);
    expect(() => pool.cancel('nope')).toThrow(/not in the pool/);
  });

  it('is reproducible with the same seed, temperatures included', () => {
    const run = (seed: number) =>
      simulate(new ModelPool(['x', 'y', 'z'], [0.2, 0.6, 1.0], seed), 100, (model) =>
        model === 'y' ? 0.3 : model === 'z' ? 0.1 : 0,
      );
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('samples temperatures only from the list, each of them', () => {
    const temperatures = [0, 0.5, 1.0];
    const choices = simulate(new ModelPool(['m'], temperatures, 1), 60, () => 0);
    expect(new Set(choices.map((c) => c.temperature))).toEqual(new Set(temperatures));
  });

  it('reports pulls and mean improvement, counting losses and NaN as no improvement', () => {
    const pool = new ModelPool(['a', 'b'], [1], 1);
    pool.record('a', 0.4);
    pool.record('a', -3);
    pool.record('a', Number.NaN);
    pool.record('b', 0.2);
    expect(pool.stats()).toEqual([
      { model: 'a', pulls: 3, meanReward: expect.closeTo(0.4 / 3, 12) as number },
      { model: 'b', pulls: 1, meanReward: 0.2 },
    ]);
    expect(() => pool.record('c', 1)).toThrow(/not in the pool/);
  });

  it('rebuilds the same state from history (resume)', () => {
    const live = new ModelPool(['a', 'b'], [1], 9);
    const history = simulate(live, 30, (model) => (model === 'a' ? 0.2 : 0.1)).map((choice) => ({
      model: choice.model,
      reward: choice.model === 'a' ? 0.2 : 0.1,
    }));
    const resumed = ModelPool.fromHistory(['a', 'b', 'new'], [1], 9, [
      ...history,
      { model: 'dropped', reward: 5 },
    ]);
    expect(resumed.stats().slice(0, 2)).toEqual(live.stats());
    // The model added on resume has never been tried, so it comes first.
    expect(resumed.select().model).toBe('new');
  });

  it('refuses an empty or duplicated model list and bad temperatures', () => {
    expect(() => new ModelPool([], [1], 1)).toThrow(RangeError);
    expect(() => new ModelPool(['a', 'a'], [1], 1)).toThrow(/duplicate/);
    expect(() => new ModelPool(['a'], [], 1)).toThrow(/temperatures/);
    expect(() => new ModelPool(['a'], [-1], 1)).toThrow(/temperatures/);
  });
});
