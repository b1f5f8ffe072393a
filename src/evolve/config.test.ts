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

describe('llm.apiKeyEnv and llm.baseUrls', () => {
  const refusal = (llm: Record<string, unknown>): string => {
    const result = evolveConfigSchema.safeParse({ llm: { models: ['openai:gpt-4.1'], ...llm } });
    return result.success
      ? 'accepted'
      : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it('take a provider or a model of the run as key', () => {
    expect(refusal({ baseUrls: { openai: 'http://127.0.0.1:8000/v1' } })).toBe('accepted');
    expect(refusal({ apiKeyEnv: { 'openai:gpt-4.1': 'MY_KEY', anthropic: 'A_KEY' } })).toBe(
      'accepted',
    );
  });

  it('refuse a key that names neither, which would send the calls to the paid API unchanged', () => {
    expect(refusal({ baseUrls: { opnai: 'http://127.0.0.1:8000/v1' } })).toBe(
      'llm.baseUrls.opnai: names no provider or model of the run; did you mean "openai"?',
    );
    expect(refusal({ apiKeyEnv: { mistral: 'KEY' } })).toMatch(
      /^llm\.apiKeyEnv\.mistral: names no provider or model of the run; use a provider \(openai, anthropic\) or a model of llm\.models as written \(openai:gpt-4\.1\)$/,
    );
  });
});
