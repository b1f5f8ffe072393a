import { z } from 'zod';
import type { ChatRequest } from './types.js';

/** USD per million tokens, as providers publish them. */
export const modelPriceSchema = z.object({
  inputPerMTok: z.number().finite().nonnegative(),
  outputPerMTok: z.number().finite().nonnegative(),
});

/** Prices keyed by model name (`gpt-4.1`) or label (`openai:gpt-4.1`, `http://host/v1#qwen`); from the run config. */
export const priceTableSchema = z.record(z.string(), modelPriceSchema);
export type PriceTable = z.infer<typeof priceTableSchema>;
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/**
 * Tokens a provider may add per message (role markers, separators) beyond its text: generous,
 * so that the worst case below stays one.
 */
const TOKENS_PER_MESSAGE = 16;

/**
 * The price of `model` (a label or a bare model name): the label's own entry first, then its
 * model name's. Pass the spec's label, not `ChatReply.model`: providers answer with dated names.
 */
export function priceOf(prices: PriceTable, model: string): ModelPrice | null {
  for (const key of priceKeys(model)) {
    const price = prices[key];
    if (price !== undefined) return price;
  }
  return null;
}

/** False when the table has no price for `model`: its calls count as $0 (a run with a budget refuses it). */
export function hasPrice(prices: PriceTable, model: string): boolean {
  return priceOf(prices, model) !== null;
}

/** Cost of one call in USD; 0 for a model without a price (see `hasPrice`). */
export function costUsd(
  prices: PriceTable,
  model: string,
  inputTokens: number,
  outputTokens: number,
): number {
  const price = priceOf(prices, model);
  if (price === null) return 0;
  return (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1e6;
}

/**
 * The most a call can cost, for budget reservations made before it: byte-level BPE tokenizers
 * give at most one token per UTF-8 byte of the prompt (plus a few per message), and the reply at
 * most `maxTokens`. Real calls cost a fraction of this; the reservation is settled with the
 * real cost, and reserving the worst case is what makes the budget a hard cap.
 */
export function worstCaseChatUsd(prices: PriceTable, model: string, request: ChatRequest): number {
  const texts = [request.system, ...request.messages.map((m) => m.content)];
  const promptTokens = texts.reduce(
    (sum, text) => sum + Buffer.byteLength(text, 'utf8') + TOKENS_PER_MESSAGE,
    0,
  );
  return costUsd(prices, model, promptTokens, request.maxTokens);
}

/** The most embedding `texts` can cost: one token per UTF-8 byte of each, plus a few. */
export function worstCaseEmbeddingUsd(
  prices: PriceTable,
  model: string,
  texts: readonly string[],
): number {
  const tokens = texts.reduce(
    (sum, t) => sum + Buffer.byteLength(t, 'utf8') + TOKENS_PER_MESSAGE,
    0,
  );
  return costUsd(prices, model, tokens, 0);
}

/** The keys a price may be stored under, most specific first: the label, then the bare model name. */
function priceKeys(model: string): string[] {
  const hash = model.lastIndexOf('#');
  if (hash >= 0) return [model, model.slice(hash + 1)];
  const named = /^(?:openai|anthropic):(.+)$/.exec(model);
  return named ? [model, named[1]!] : [model];
}
