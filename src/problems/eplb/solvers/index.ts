import type { LoadMatrix, Plan, Shape } from '../model.js';
import { rebalanceBalanced, rebalanceGlobal } from './balanced.js';
import { rebalanceDeepSeek } from './deepseek.js';

export const ALGOS = ['deepseek', 'balanced', 'global'] as const;
export type Algo = (typeof ALGOS)[number];

export const REBALANCERS: Record<Algo, (load: LoadMatrix, shape: Shape) => Plan> = {
  deepseek: rebalanceDeepSeek,
  balanced: rebalanceBalanced,
  global: rebalanceGlobal,
};

/** Does the algorithm keep node locality (an expert's replicas and a group's experts on one node)? */
export function keepsLocality(algo: Algo, shape: Shape): boolean {
  return algo !== 'global' && shape.groups % shape.nodes === 0;
}
