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

/** Rough size of a token in characters, for estimates before a call (English text and code). */
const CHARS_PER_TOKEN = 4;

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

/** False when the table has no price for `model`: its calls count as $0, which the engine should warn about. */
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
 * Cost of a call before it is made, for budget reservations: the prompt at ~4 characters a
 * token, and the whole `maxTokens` as output (an upper bound for the reply).
 */
export function estimateChatCostUsd(
  prices: PriceTable,
  model: string,
  request: ChatRequest,
): number {
  const promptChars = request.messages.reduce(
    (sum, message) => sum + message.content.length,
    request.system.length,
  );
  return costUsd(prices, model, Math.ceil(promptChars / CHARS_PER_TOKEN), request.maxTokens);
}

/** The keys a price may be stored under, most specific first: the label, then the bare model name. */
function priceKeys(model: string): string[] {
  const hash = model.lastIndexOf('#');
  if (hash >= 0) return [model, model.slice(hash + 1)];
  const named = /^(?:openai|anthropic):(.+)$/.exec(model);
  return named ? [model, named[1]!] : [model];
}
