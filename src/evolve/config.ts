import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { seedSchema } from '../core/rng.js';
import { nearMiss } from '../core/near-miss.js';
import { MODEL_PROVIDERS, parseModelSpec } from './llm/model-spec.js';
import { hasPrice } from './llm/pricing.js';
import { migrationSchema } from './population/migration.js';
import { selectionSchema } from './population/selection.js';
import type { EvaluationLimits } from './task.js';
import { warningsSchema } from './warnings.js';

const price = z
  .object({
    inputPerMTok: z.number().min(0).max(1e6),
    outputPerMTok: z.number().min(0).max(1e6),
  })
  .strict();

/** A model spec that parseModelSpec accepts, its complaint as the schema's message. */
const modelSpecText = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      parseModelSpec(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

/** LLM settings of a run. Keys are never stored: only the names of the variables holding them. */
export const llmSettingsSchema = z
  .object({
    /** Model specs: `openai:MODEL`, `anthropic:MODEL` or `URL#MODEL` (OpenAI-compatible). */
    models: z.array(modelSpecText).min(1).max(64),
    temperatures: z.array(z.number().min(0).max(2)).min(1).max(64).default([0, 0.5, 1]),
    maxTokens: z.number().int().min(16).max(1_000_000).default(8192),
    maxRetries: z.number().int().min(0).max(20).default(4),
    timeoutSec: z.number().positive().max(3600).default(300),
    /** Environment variable holding the key, per provider or per model label. */
    apiKeyEnv: z.record(z.string(), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default({}),
    /** Base URL per provider or per model label (a proxy, a local server). */
    baseUrls: z.record(z.string(), z.string().url()).default({}),
    prices: z.record(z.string(), price).default({}),
    /** When set, new programs too similar to one on their island are rejected unevaluated. */
    embeddingModel: modelSpecText.optional(),
    noveltyThreshold: z.number().min(0).max(1).default(0.995),
    /** When set, a meta model writes summaries, insights and recommendations every `metaEvery`. */
    metaModel: modelSpecText.optional(),
    metaEvery: z.number().int().min(1).max(1e6).default(10),
  })
  .strict()
  .superRefine((llm, ctx) => {
    for (const field of ['apiKeyEnv', 'baseUrls'] as const)
      for (const key of Object.keys(llm[field])) {
        const problem = connectionKeyProblem(llm, key);
        if (problem) ctx.addIssue({ code: 'custom', path: [field, key], message: problem });
      }
  });

/**
 * Why `key` of llm.apiKeyEnv or llm.baseUrls would never apply, or null: such a key names a
 * provider or a model label of the run, and one naming neither (`opnai`) would leave the calls
 * going to the provider's own paid API with its default key, the very thing it was meant to
 * change.
 */
function connectionKeyProblem(
  llm: Pick<LlmSettings, 'models' | 'metaModel' | 'embeddingModel'>,
  key: string,
): string | null {
  let labels: string[];
  try {
    labels = runModelLabels(llm);
  } catch {
    return null; // A malformed model spec is reported on its own field.
  }
  const names = [...MODEL_PROVIDERS, ...labels];
  if (names.includes(key)) return null;
  const meant = nearMiss(key, names);
  return meant
    ? `names no provider or model of the run; did you mean "${meant}"?`
    : `names no provider or model of the run; use a provider (${MODEL_PROVIDERS.join(', ')}) or a model of llm.models as written (${labels.join(', ')})`;
}

/** Everything that shapes a run; stored in the database so `resume` needs nothing else. */
export const evolveConfigSchema = z
  .object({
    generations: z.number().int().min(0).max(1_000_000).default(20),
    islands: z.number().int().min(1).max(64).default(2),
    seed: seedSchema.default(0),
    budgetUsd: z.number().min(0).max(1e9).nullable().default(null),
    /**
     * Seconds each invocation (run, then each resume) may start generations for; the ones in
     * flight then finish. null: no limit.
     */
    wallClockSec: z.number().positive().max(31_536_000).nullable().default(null),
    concurrency: z
      .object({
        proposals: z.number().int().min(1).max(256).default(2),
        evaluations: z.number().int().min(1).max(256).default(2),
      })
      .strict()
      .default({ proposals: 2, evaluations: 2 }),
    /** Relative frequencies of the patch types. */
    patchTypes: z
      .object({
        diff: z.number().min(0).max(1e6).default(0.6),
        full: z.number().min(0).max(1e6).default(0.3),
        cross: z.number().min(0).max(1e6).default(0.1),
      })
      .strict()
      .refine((p) => p.diff + p.full + p.cross > 0, 'at least one patch type needs weight > 0')
      .default({ diff: 0.6, full: 0.3, cross: 0.1 }),
    /** LLM turns per proposal: a failed patch goes back with its reason until this many. */
    patchAttempts: z.number().int().min(1).max(20).default(3),
    selection: selectionSchema.default({ strategy: 'weighted', lambda: 10, alpha: 1 }),
    inspirations: z
      .object({
        top: z.number().int().min(0).max(100).default(2),
        random: z.number().int().min(0).max(100).default(2),
      })
      .strict()
      .default({ top: 2, random: 2 }),
    migration: migrationSchema.default({ interval: 10, rate: 0.1 }),
    archiveSize: z.number().int().min(1).max(10_000).default(20),
    evaluation: z
      .object({
        timeoutSec: z.number().positive().max(86_400).default(60),
        memoryMb: z.number().int().min(64).max(1_048_576).default(2048),
        maxOutputKb: z.number().int().min(1).max(1_048_576).default(256),
        /**
         * Evaluate external tasks here even where the sandbox cannot hide this process's
         * environment from them (no bubblewrap, no user namespaces): see tasks/isolation.ts.
         */
        allowUnisolated: z.boolean().default(false),
        /**
         * Every this many generations, the best program so far is scored on the task's
         * held-out cases (when it has them): a held-out curve beside the run's. 0: only at
         * the end.
         */
        heldOutEvery: z.number().int().min(0).max(1_000_000).default(0),
      })
      .strict()
      .default({
        timeoutSec: 60,
        memoryMb: 2048,
        maxOutputKb: 256,
        allowUnisolated: false,
        heldOutEvery: 0,
      }),
    warnings: warningsSchema.default({
      constantScoreAfter: 5,
      islandWithoutCorrectAfter: 8,
      patchFailureRate: 0.5,
      minProposals: 6,
    }),
    llm: llmSettingsSchema,
  })
  .strict();

export type EvolveConfig = z.infer<typeof evolveConfigSchema>;
export type LlmSettings = z.infer<typeof llmSettingsSchema>;

/** The limits each evaluation of a run gets, in the units the sandbox takes. */
export function evaluationLimits(config: EvolveConfig): EvaluationLimits {
  return {
    timeoutMs: config.evaluation.timeoutSec * 1000,
    memoryMb: config.evaluation.memoryMb,
    maxOutputBytes: config.evaluation.maxOutputKb * 1024,
  };
}

/** Labels of every model a run may call and pay for: the pool, then the meta and embedding models. */
export function runModelLabels(
  llm: Pick<LlmSettings, 'models' | 'metaModel' | 'embeddingModel'>,
): string[] {
  const texts = [...llm.models, llm.metaModel, llm.embeddingModel].filter(
    (text): text is string => text !== undefined,
  );
  return [...new Set(texts.map((text) => parseModelSpec(text).label))];
}

/** The models a run under a budget calls without a price in llm.prices ([] without a budget). */
export function unpricedUnderBudget(config: EvolveConfig): string[] {
  if (config.budgetUsd === null) return [];
  return runModelLabels(config.llm).filter((label) => !hasPrice(config.llm.prices, label));
}

/**
 * A budget caps only what it can price: with `budgetUsd` set, every model the run calls needs a
 * price in `llm.prices` (an unpriced call would count as $0 and the budget would cap nothing).
 * A user error naming the models and the fix; `resumed`: a resumed run, which keeps the prices it
 * started with.
 */
export function checkBudgetPrices(config: EvolveConfig, resumed = false): void {
  const unpriced = unpricedUnderBudget(config);
  if (unpriced.length === 0) return;
  const fix = resumed
    ? 'a resumed run keeps the prices it started with: resume without --budget-usd, or start a new run with llm.prices in --config'
    : `give prices in --config FILE.yaml, e.g. "llm: { prices: { '${unpriced[0]}': { inputPerMTok: 2, outputPerMTok: 8 } } }" ` +
      "(USD per million tokens, from the provider's price list; 0 for a free local server)";
  throw new UserError(
    `a budget needs the price of every model the run calls, and llm.prices has none for ${unpriced.join(', ')} ` +
      `(its calls would count as $0): ${fix}`,
    undefined,
    '--budget-usd',
  );
}
