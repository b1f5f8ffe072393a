import type { Forecast } from '../forecast.js';
import type { LoadMatrix, Plan, Shape } from '../model.js';
import { rebalanceBalanced, rebalanceGlobal } from './balanced.js';
import { rebalanceDeepSeek } from './deepseek.js';

export const ALGOS = ['deepseek', 'balanced', 'global'] as const;
export type Algo = (typeof ALGOS)[number];

/**
 * A rebalance: a plan for the forecast `load`; `history` (the recorded windows, oldest first)
 * lets `balanced` and `global` hedge against the way loads have been moving.
 */
export type Rebalancer = (load: LoadMatrix, shape: Shape, history?: readonly LoadMatrix[]) => Plan;

export const REBALANCERS: Record<Algo, Rebalancer> = {
  deepseek: rebalanceDeepSeek,
  balanced: rebalanceBalanced,
  global: rebalanceGlobal,
};

/**
 * The forecast each algorithm plans from by default: the latest window for `deepseek` (so that
 * it reproduces the reference), `recent` for the others (measured best: see README).
 */
export const DEFAULT_FORECASTS: Record<Algo, Forecast> = {
  deepseek: 'last',
  balanced: 'recent',
  global: 'recent',
};

/** Does the algorithm keep node locality (an expert's replicas and a group's experts on one node)? */
export function keepsLocality(algo: Algo, shape: Shape): boolean {
  return algo !== 'global' && shape.groups % shape.nodes === 0;
}
