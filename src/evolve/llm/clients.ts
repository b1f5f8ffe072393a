import { UserError } from '../../core/errors.js';
import { createAnthropicChatClient } from './anthropic-client.js';
import type { ModelSpec } from './model-spec.js';
import { createOpenAiChatClient, createOpenAiEmbeddingClient } from './openai-client.js';
import type { ChatClient, ClientOptions, EmbeddingClient } from './types.js';

/**
 * A chat client for the spec's provider. The key is read now, so a missing one stops the run
 * before it starts (UserError naming the variable).
 */
export function createChatClient(spec: ModelSpec, options: ClientOptions): ChatClient {
  return spec.provider === 'anthropic'
    ? createAnthropicChatClient(spec, options)
    : createOpenAiChatClient(spec, options);
}

/** An embedding client: OpenAI-compatible only (Anthropic has no embeddings API). */
export function createEmbeddingClient(spec: ModelSpec, options: ClientOptions): EmbeddingClient {
  if (spec.provider === 'anthropic') {
    throw new UserError(
      `${spec.label}: Anthropic has no embeddings API; name an OpenAI-compatible embedding model, ` +
        'e.g. openai:text-embedding-3-small or http://127.0.0.1:8000/v1#bge-m3',
    );
  }
  return createOpenAiEmbeddingClient(spec, options);
}
