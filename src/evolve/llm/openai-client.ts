import OpenAI from 'openai';
import { resolveConnection } from './connection.js';
import type { ModelSpec } from './model-spec.js';
import { explainProviderError } from './provider-errors.js';
import type {
  ChatClient,
  ChatReply,
  ChatRequest,
  ClientOptions,
  EmbeddingClient,
} from './types.js';

/** One SDK instance per client, on the resolved base URL and key. */
function openAiSdk(spec: ModelSpec, options: ClientOptions) {
  const connection = resolveConnection(spec, options);
  const sdk = new OpenAI({
    apiKey: connection.apiKey,
    baseURL: connection.baseUrl,
    maxRetries: options.maxRetries,
    timeout: options.timeoutMs,
  });
  return { sdk, connection };
}

/** Chat through `/chat/completions` of OpenAI or any OpenAI-compatible server. */
export function createOpenAiChatClient(spec: ModelSpec, options: ClientOptions): ChatClient {
  const { sdk, connection } = openAiSdk(spec, options);
  const isOpenAiItself = new URL(connection.baseUrl).hostname === 'api.openai.com';
  return {
    spec,
    async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatReply> {
      const system =
        request.system === '' ? [] : [{ role: 'system' as const, content: request.system }];
      try {
        const completion = await sdk.chat.completions.create(
          {
            model: spec.model,
            messages: [...system, ...request.messages],
            temperature: request.temperature,
            // OpenAI's reasoning models refuse the older name; compatible servers may only know it.
            ...(isOpenAiItself
              ? { max_completion_tokens: request.maxTokens }
              : { max_tokens: request.maxTokens }),
          },
          { signal },
        );
        return {
          text: completion.choices[0]?.message.content ?? '',
          inputTokens: completion.usage?.prompt_tokens ?? 0,
          outputTokens: completion.usage?.completion_tokens ?? 0,
          model: completion.model || spec.model,
        };
      } catch (error) {
        throw explainProviderError(error, spec, connection);
      }
    },
  };
}

/** Embeddings through `/embeddings` of OpenAI or any OpenAI-compatible server. */
export function createOpenAiEmbeddingClient(
  spec: ModelSpec,
  options: ClientOptions,
): EmbeddingClient {
  const { sdk, connection } = openAiSdk(spec, options);
  return {
    async embed(texts: string[]) {
      if (texts.length === 0) return { vectors: [], inputTokens: 0 };
      try {
        const response = await sdk.embeddings.create({
          model: spec.model,
          input: texts,
          encoding_format: 'float',
        });
        const vectors = [...response.data]
          .sort((a, b) => a.index - b.index)
          .map((item) => item.embedding);
        return { vectors, inputTokens: response.usage?.prompt_tokens ?? 0 };
      } catch (error) {
        throw explainProviderError(error, spec, connection);
      }
    },
  };
}
