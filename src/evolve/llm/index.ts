/** LLM access for the evolution engine: provider clients, the model pool, prices and the budget. */
export { parseModelSpec, type ModelSpec } from './model-spec.js';
export type {
  ChatClient,
  ChatMessage,
  ChatReply,
  ChatRequest,
  ClientOptions,
  EmbeddingClient,
} from './types.js';
export { createChatClient, createEmbeddingClient } from './clients.js';
export {
  costUsd,
  worstCaseChatUsd,
  worstCaseEmbeddingUsd,
  hasPrice,
  modelPriceSchema,
  priceOf,
  priceTableSchema,
  type ModelPrice,
  type PriceTable,
} from './pricing.js';
export { Budget } from './budget.js';
export { ModelPool, type ModelChoice, type ModelOutcome, type ModelStats } from './model-pool.js';
