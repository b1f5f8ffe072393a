import { Rng } from '../../core/rng.js';

/** What a synthetic expert-load trace looks like (defaults: DeepSeek-V3's shape, the shared trace's statistics). */
export interface TraceSettings {
  steps: number;
  layers: number;
  experts: number;
  groups: number;
  /** Mean tokens per step, each routed to `topK` distinct experts. */
  tokensPerStep: number;
  /** Log-normal σ of the number of tokens from step to step (batches vary in size). */
  tokensSigma: number;
  topK: number;
  /** Per-layer log-normal popularity skew is drawn from [skewMin, skewMax]. */
  skewMin: number;
  skewMax: number;
  /** Static log-normal skew of whole expert groups. */
  groupSkew: number;
  /** Popularity correlation between the two traffic domains (chat-like, math-like), of experts and groups. */
  domainCorrelation: number;
  /** Mean length of a traffic regime, in steps. */
  regimeSteps: number;
  /** Steps over which the domain mix moves linearly to the new regime's (0: at once). */
  rampSteps: number;
  /** Slow drift (Ornstein–Uhlenbeck) of each expert: stationary σ and time constant. */
  driftSigma: number;
  driftTau: number;
  /** Fast churn of each expert and each group: stationary σ, shared time constant. */
  churnSigma: number;
  groupChurnSigma: number;
  churnTau: number;
  seed: number;
}

export const DEFAULT_TRACE: TraceSettings = {
  steps: 600,
  layers: 58,
  experts: 256,
  groups: 8,
  tokensPerStep: 64,
  tokensSigma: 0.15,
  topK: 8,
  skewMin: 0.65,
  skewMax: 1.05,
  groupSkew: 0.8,
  domainCorrelation: 0.6,
  regimeSteps: 300,
  rampSteps: 30,
  driftSigma: 0.25,
  driftTau: 3000,
  churnSigma: 0.1,
  groupChurnSigma: 0.25,
  churnTau: 40,
  seed: 1,
};

/**
 * Five traces of other skew and churn than the defaults: the solvers' test runs them at a
 * small shape, the benchmark at DeepSeek-V3's.
 */
export const SKEW_AND_CHURN_VARIANTS: readonly (Partial<TraceSettings> & { seed: number })[] = [
  { seed: 11, groupSkew: 0.8, churnSigma: 0.1 },
  { seed: 12, groupSkew: 0.4, churnSigma: 0.1 },
  { seed: 13, groupSkew: 1.2, churnSigma: 0.1 },
  { seed: 14, groupSkew: 0.8, churnSigma: 0.3 },
  { seed: 15, groupSkew: 0.6, churnSigma: 0.05, skewMin: 1.0, skewMax: 1.4 },
];

/**
 * Share of traffic from the chat-like domain in each kind of regime. 90 : 10 makes a regime
 * switch move expert shares as far as the one in the recorded reference trace these defaults
 * describe (the mean L1 change of shares across it: 0.55 there, 0.58–0.60 here).
 */
const REGIME_MIX = [0.9, 0.1];

/** A standard normal with correlation `rho` to the standard normal `z`. */
function correlated(z: number, rho: number, rng: Rng): number {
  return rho * z + Math.sqrt(1 - rho * rho) * rng.normal();
}

/** `value` moved toward `target` by at most `step`. */
function moveToward(value: number, target: number, step: number): number {
  return value < target ? Math.min(target, value + step) : Math.max(target, value - step);
}

/** One OU step of every value in `state` (stationary σ `sigma`, time constant `tau` steps). */
function ouStep(state: Float64Array, sigma: number, tau: number, rng: Rng): void {
  const keep = Math.exp(-1 / tau);
  const noise = sigma * Math.sqrt(1 - keep * keep);
  for (let i = 0; i < state.length; i++) state[i] = keep * state[i]! + noise * rng.normal();
}

/**
 * A synthetic recorded-load trace in vLLM's format: per layer a log-normal expert popularity
 * in each of two domains (correlated), a static group skew, regimes that switch the domain
 * mix (ramping over `rampSteps`), slow drift and fast churn; a log-normal number of tokens
 * per step; each step's tokens × topK routings drawn as Poisson counts
 * (at most one routing per token per expert). Returns `load_history[step][layer][expert]`.
 */
export function generateTrace(settings: TraceSettings): {
  load_history: { logical_expert_load: number[][] }[];
} {
  const s = settings;
  const rng = new Rng(s.seed);
  const cells = s.layers * s.experts;
  const groupSize = s.experts / s.groups;
  const chat = new Float64Array(cells);
  const math = new Float64Array(cells);
  for (let l = 0; l < s.layers; l++) {
    const skew = rng.uniform(s.skewMin, s.skewMax);
    const chatGroup = Array.from({ length: s.groups }, () => rng.normal());
    const mathGroup = chatGroup.map((z) => correlated(z, s.domainCorrelation, rng));
    for (let e = 0; e < s.experts; e++) {
      const z = rng.normal();
      const g = Math.floor(e / groupSize);
      chat[l * s.experts + e] = skew * z + s.groupSkew * chatGroup[g]!;
      math[l * s.experts + e] =
        skew * correlated(z, s.domainCorrelation, rng) + s.groupSkew * mathGroup[g]!;
    }
  }
  const drift = new Float64Array(cells);
  const churn = new Float64Array(cells);
  const groupChurn = new Float64Array(s.layers * s.groups);
  const weight = new Float64Array(s.experts);
  let regime = 0;
  let mix = REGIME_MIX[regime]!;
  const rampStep = Math.abs(REGIME_MIX[0]! - REGIME_MIX[1]!) / Math.max(1, s.rampSteps);
  const history: { logical_expert_load: number[][] }[] = [];
  for (let step = 0; step < s.steps; step++) {
    if (rng.float() < 1 / s.regimeSteps) regime = 1 - regime;
    ouStep(drift, s.driftSigma, s.driftTau, rng);
    ouStep(churn, s.churnSigma, s.churnTau, rng);
    ouStep(groupChurn, s.groupChurnSigma, s.churnTau, rng);
    mix = moveToward(mix, REGIME_MIX[regime]!, rampStep);
    const tokens = Math.max(
      1,
      Math.round(s.tokensPerStep * Math.exp(s.tokensSigma * rng.normal() - s.tokensSigma ** 2 / 2)),
    );
    const rows: number[][] = [];
    for (let l = 0; l < s.layers; l++) {
      let total = 0;
      for (let e = 0; e < s.experts; e++) {
        const i = l * s.experts + e;
        const noise = drift[i]! + churn[i]! + groupChurn[l * s.groups + Math.floor(e / groupSize)]!;
        weight[e] = (mix * Math.exp(chat[i]!) + (1 - mix) * Math.exp(math[i]!)) * Math.exp(noise);
        total += weight[e]!;
      }
      const routings = tokens * s.topK;
      rows.push(Array.from(weight, (w) => Math.min(tokens, rng.poisson((routings * w) / total))));
    }
    history.push({ logical_expert_load: rows });
  }
  return { load_history: history };
}
