import { describe, expect, it } from 'vitest';
import { checkBudgetPrices, evolveConfigSchema, runModelLabels } from './config.js';

const config = (budgetUsd: number | null, llm: Record<string, unknown>) =>
  evolveConfigSchema.parse({ budgetUsd, llm: { models: ['openai:gpt-4.1'], ...llm } });

const price = { inputPerMTok: 2, outputPerMTok: 8 };

describe('checkBudgetPrices', () => {
  it('asks nothing of a run without a budget', () => {
    expect(() => checkBudgetPrices(config(null, {}))).not.toThrow();
  });

  it('accepts prices by label or by bare model name', () => {
    expect(() => checkBudgetPrices(config(5, { prices: { 'gpt-4.1': price } }))).not.toThrow();
    expect(() =>
      checkBudgetPrices(config(5, { prices: { 'openai:gpt-4.1': price } })),
    ).not.toThrow();
  });

  it('names every unpriced model the run calls, meta and embedding models included, and the fix', () => {
    const withHelpers = config(5, {
      prices: { 'gpt-4.1': price },
      metaModel: 'openai:gpt-4.1-mini',
      embeddingModel: 'http://127.0.0.1:8000/v1#embed',
    });
    expect(runModelLabels(withHelpers.llm)).toEqual([
      'openai:gpt-4.1',
      'openai:gpt-4.1-mini',
      'http://127.0.0.1:8000/v1#embed',
    ]);
    expect(() => checkBudgetPrices(withHelpers)).toThrow(
      /llm\.prices has none for openai:gpt-4\.1-mini, http:\/\/127\.0\.0\.1:8000\/v1#embed .*--config FILE\.yaml, e\.g\. "llm: \{ prices: \{ 'openai:gpt-4\.1-mini': \{ inputPerMTok/,
    );
    expect(() => checkBudgetPrices(withHelpers, true)).toThrow(
      /keeps the prices it started with: resume without --budget-usd/,
    );
  });
});
