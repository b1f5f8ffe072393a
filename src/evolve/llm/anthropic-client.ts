import Anthropic from '@anthropic-ai/sdk';
import { resolveConnection } from './connection.js';
import type { ModelSpec } from './model-spec.js';
import { explainProviderError } from './provider-errors.js';
import type { ChatClient, ChatReply, ChatRequest, ClientOptions } from './types.js';

/**
 * Chat through Anthropic's `/v1/messages`; the reply text is the concatenation of its text
 * blocks. The request's temperature is not sent: API version 2026-10-21, which this SDK speaks,
 * rejects every sampling parameter with HTTP 400.
 */
export function createAnthropicChatClient(spec: ModelSpec, options: ClientOptions): ChatClient {
  const connection = resolveConnection(spec, options);
  const sdk = new Anthropic({
    apiKey: connection.apiKey,
    baseURL: connection.baseUrl,
    maxRetries: options.maxRetries,
    timeout: options.timeoutMs,
  });
  return {
    spec,
    async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatReply> {
      try {
        const message = await sdk.messages.create(
          {
            model: spec.model,
            ...(request.system === '' ? {} : { system: request.system }),
            messages: request.messages,
            max_tokens: request.maxTokens,
          },
          { signal },
        );
        const text = message.content
          .map((block) => (block.type === 'text' ? block.text : ''))
          .join('');
        return {
          text,
          inputTokens: message.usage.input_tokens,
          outputTokens: message.usage.output_tokens,
          model: message.model || spec.model,
        };
      } catch (error) {
        throw explainProviderError(error, spec, connection);
      }
    },
  };
}
