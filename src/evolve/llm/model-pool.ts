import { Rng } from '../../core/rng.js';

/** What the pool picked for one proposal. */
export interface ModelChoice {
  model: string;
  temperature: number;
}

/** One model's record: `meanReward` is its children's mean improvement over their parents. */
export interface ModelStats {
  model: string;
  pulls: number;
  meanReward: number;
}

/** A past child, for rebuilding the pool on resume: its model and its score minus its parent's. */
export interface ModelOutcome {
  model: string;
  reward: number;
}

interface Arm {
  model: string;
  pulls: number;
  rewardSum: number;
  /** Selected and not yet recorded: counted as pulls in the exploration term. */
  pending: number;
}

/**
 * The LLMs of a run, chosen by UCB1 on the improvement their children bring. A reward is
 * max(0, child score − parent score), divided by the largest reward seen so far, so scores of
 * any scale work. Each `select` is meant to be followed by one `record` of that model (reward 0
 * for a failed proposal) or, when the proposal never starts, one `cancel`; selections still awaiting their reward count as pulls, so concurrent
 * proposals spread over the models instead of all taking the current leader. Ties (first of
 * all the untried models) are broken by the seeded RNG, which also draws each proposal's
 * temperature uniformly from the list.
 */
export class ModelPool {
  private readonly arms: Arm[];
  private readonly rng: Rng;
  private maxReward = 0;

  constructor(
    models: string[],
    private readonly temperatures: number[],
    seed: number,
    private readonly explorationC = Math.SQRT2,
  ) {
    if (models.length === 0) throw new RangeError('a model pool needs at least one model');
    if (new Set(models).size !== models.length) {
      throw new RangeError(`duplicate models in the pool: ${models.join(', ')}`);
    }
    if (temperatures.length === 0 || temperatures.some((t) => !Number.isFinite(t) || t < 0)) {
      throw new RangeError(
        `temperatures must be a non-empty list of numbers >= 0, got [${temperatures.join(', ')}]`,
      );
    }
    if (!Number.isFinite(explorationC) || explorationC < 0) {
      throw new RangeError(`explorationC must be a finite number >= 0, got ${explorationC}`);
    }
    this.arms = models.map((model) => ({ model, pulls: 0, rewardSum: 0, pending: 0 }));
    this.rng = new Rng(seed);
  }

  /** A pool that has seen `history` (outcomes of models no longer in `models` are skipped). */
  static fromHistory(
    models: string[],
    temperatures: number[],
    seed: number,
    history: Iterable<ModelOutcome>,
    explorationC?: number,
  ): ModelPool {
    const pool = new ModelPool(models, temperatures, seed, explorationC);
    for (const outcome of history) {
      if (models.includes(outcome.model)) pool.record(outcome.model, outcome.reward);
    }
    return pool;
  }

  /**
   * The next model and temperature. `rng`: the draws' stream; a generation passes its own, so
   * that it asks the same model at the same temperature when a resumed run redoes it.
   */
  select(rng: Rng = this.rng): ModelChoice {
    const totalPulls = this.arms.reduce((sum, arm) => sum + arm.pulls + arm.pending, 0);
    const priorities = this.arms.map((arm) => this.priority(arm, totalPulls));
    const best = Math.max(...priorities);
    const tied = this.arms.filter((_, index) => priorities[index] === best);
    const arm = tied.length === 1 ? tied[0]! : tied[rng.int(0, tied.length - 1)]!;
    arm.pending++;
    const temperature = this.temperatures[rng.int(0, this.temperatures.length - 1)]!;
    return { model: arm.model, temperature };
  }

  /**
   * Count one child of `model`: `reward` is its score minus its parent's (pass 0 for an incorrect
   * child or a failed proposal); a negative or non-finite reward counts as 0.
   */
  record(model: string, reward: number): void {
    const arm = this.arm(model);
    const gain = Number.isFinite(reward) && reward > 0 ? reward : 0;
    arm.pulls++;
    arm.rewardSum += gain;
    if (arm.pending > 0) arm.pending--;
    this.maxReward = Math.max(this.maxReward, gain);
  }

  /**
   * Count `model` as selected without choosing: a generation redone from its draft asks the
   * model it chose before the run stopped. Followed by `record` or `cancel` like a selection.
   */
  claim(model: string): void {
    this.arm(model).pending++;
  }

  /** Withdraw a selection of `model` whose proposal never started (say, over budget): no reward. */
  cancel(model: string): void {
    const arm = this.arm(model);
    if (arm.pending > 0) arm.pending--;
  }

  stats(): ModelStats[] {
    return this.arms.map((arm) => ({
      model: arm.model,
      pulls: arm.pulls,
      meanReward: arm.pulls === 0 ? 0 : arm.rewardSum / arm.pulls,
    }));
  }

  private arm(model: string): Arm {
    const arm = this.arms.find((candidate) => candidate.model === model);
    if (arm === undefined) throw new Error(`model "${model}" is not in the pool`);
    return arm;
  }

  /** UCB1 index on normalised rewards; an arm never tried comes first. */
  private priority(arm: Arm, totalPulls: number): number {
    const tries = arm.pulls + arm.pending;
    if (tries === 0) return Infinity;
    const mean =
      arm.pulls === 0 || this.maxReward === 0 ? 0 : arm.rewardSum / arm.pulls / this.maxReward;
    return mean + this.explorationC * Math.sqrt(Math.log(totalPulls) / tries);
  }
}
