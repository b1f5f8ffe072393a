import { describe, expect, it } from 'vitest';
import { parseWith } from '../../core/schema.js';
import { userErrorText } from '../../../test/helpers.js';
import {
  costUsd,
  worstCaseChatUsd,
  worstCaseEmbeddingUsd,
  hasPrice,
  priceTableSchema,
  type PriceTable,
} from './pricing.js';

const prices: PriceTable = {
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'anthropic:claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'http://127.0.0.1:8000/v1#qwen': { inputPerMTok: 0.1, outputPerMTok: 0.2 },
};

describe('costUsd', () => {
  it('prices input and output tokens per million', () => {
    expect(costUsd(prices, 'gpt-4.1', 1_000_000, 0)).toBe(2);
    expect(costUsd(prices, 'gpt-4.1', 250_000, 500_000)).toBeCloseTo(0.5 + 4, 12);
  });

  it('finds a model by its label or by its bare name', () => {
    expect(costUsd(prices, 'openai:gpt-4.1', 1_000_000, 1_000_000)).toBe(10);
    expect(costUsd(prices, 'anthropic:claude-sonnet-4-5', 2_000_000, 0)).toBe(6);
    expect(costUsd(prices, 'http://127.0.0.1:8000/v1#qwen', 0, 1_000_000)).toBe(0.2);
    expect(costUsd(prices, 'http://other-host/v1#gpt-4.1', 1_000_000, 0)).toBe(2);
  });

  it('counts an unpriced model as free and says so through hasPrice', () => {
    expect(costUsd(prices, 'openai:gpt-5', 1_000_000, 1_000_000)).toBe(0);
    expect(hasPrice(prices, 'openai:gpt-5')).toBe(false);
    expect(hasPrice(prices, 'openai:gpt-4.1')).toBe(true);
    expect(hasPrice(prices, 'claude-sonnet-4-5')).toBe(false);
  });

  it('bounds a call by a token per prompt byte (and 16 per message) and the whole output allowance', () => {
    const request = {
      system: 'abcd'.repeat(100),
      messages: [{ role: 'user' as const, content: 'é'.repeat(300) }],
      temperature: 0.7,
      maxTokens: 1000,
    };
    // 400 + 600 bytes (é is two) + 2 × 16 = 1032 tokens in, 1000 tokens out.
    expect(worstCaseChatUsd(prices, 'gpt-4.1', request)).toBeCloseTo(
      (1032 * 2 + 1000 * 8) / 1e6,
      15,
    );
    expect(worstCaseEmbeddingUsd(prices, 'gpt-4.1', ['ab', 'é'])).toBeCloseTo(
      ((2 + 16 + 2 + 16) * 2) / 1e6,
      15,
    );
  });
});

describe('priceTableSchema', () => {
  it('accepts a table and rejects a misspelt or negative price, naming the field', () => {
    expect(parseWith(priceTableSchema, prices, 'evolve.yaml')).toEqual(prices);
    const misspelt = { m: { inputPerMtok: 1, outputPerMTok: 2 } };
    expect(userErrorText(() => parseWith(priceTableSchema, misspelt, 'evolve.yaml'))).toMatch(
      /^evolve\.yaml: m\.inputPerMTok: /,
    );
    const negative = { m: { inputPerMTok: -1, outputPerMTok: 2 } };
    expect(userErrorText(() => parseWith(priceTableSchema, negative, 'evolve.yaml'))).toMatch(
      /^evolve\.yaml: m\.inputPerMTok: expected at least 0, got -1$/,
    );
  });
});
