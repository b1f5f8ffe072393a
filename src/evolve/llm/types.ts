import type { ModelSpec } from './model-spec.js';

/** One turn of a conversation; the system prompt travels separately in `ChatRequest`. */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  /** '' for none. */
  system: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
}

/** The reply text and the token counts the provider billed; `model` is what the provider says answered. */
export interface ChatReply {
  text: string;
  inputTokens: number;
  outputTokens: number;
  model: string;
}

/**
 * A chat model behind one provider API. Retries on 429/5xx happen inside `chat`; it rejects
 * with a UserError when only the user can fix the failure (key refused, model or URL unknown),
 * and with the SDK's error otherwise.
 */
export interface ChatClient {
  readonly spec: ModelSpec;
  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatReply>;
}

/** An embedding model: one vector per text, in the order given. */
export interface EmbeddingClient {
  embed(texts: string[]): Promise<{ vectors: number[][]; inputTokens: number }>;
}

export interface ClientOptions {
  /** Environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY). */
  apiKeyEnv?: string;
  /**
   * Base URL when the spec names none. OpenAI-compatible: up to and including `/v1`;
   * Anthropic: the host root (a trailing `/v1` is dropped, the SDK adds `/v1/messages`).
   */
  baseUrl?: string;
  /** Retries after a 429, 5xx or connection error, with exponential backoff (or the server's retry-after). */
  maxRetries: number;
  /** Per attempt. */
  timeoutMs: number;
  /** Where keys are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}
