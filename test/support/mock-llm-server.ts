import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the LLM providers, over real HTTP on a free loopback port. It speaks
 * `POST /v1/chat/completions` and `POST /v1/embeddings` (OpenAI) and `POST /v1/messages`
 * (Anthropic), non-streaming only, and answers chat requests from a script.
 */

/** A chat request as the script sees it, the same for both providers. */
export interface MockChatRequest {
  provider: 'openai' | 'anthropic';
  path: string;
  model: string;
  /** System prompt text ('' when none). */
  system: string;
  messages: { role: string; content: string }[];
}

/**
 * One scripted answer: reply text (token counts default to word counts), reply text with
 * explicit token counts, or an HTTP error (429 and 5xx are sent with retry-after headers that
 * let the SDKs retry at once).
 */
export type MockReply =
  | string
  | { text: string; inputTokens?: number; outputTokens?: number }
  | { status: number; body?: unknown };

/** Replies consumed in order, one per chat request (retries included), or a function of the request. */
export type MockScript = readonly MockReply[] | ((request: MockChatRequest) => MockReply);

/** Every request the server received, in arrival order; header names are lower case. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface MockLlmServer {
  /** `http://127.0.0.1:PORT`: Anthropic's base URL; OpenAI's is this plus `/v1`. */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Length of the vectors `/v1/embeddings` returns unless the request asks for `dimensions`. */
export const MOCK_EMBEDDING_DIMENSIONS = 64;

const CHAT_ROUTES: Partial<Record<string, 'openai' | 'anthropic'>> = {
  'POST /v1/chat/completions': 'openai',
  'POST /v1/messages': 'anthropic',
};

export async function startMockLlmServer(script: MockScript): Promise<MockLlmServer> {
  const requests: RecordedRequest[] = [];
  const nextReply = scriptReader(script);
  let replyCount = 0;

  const respond = (incoming: IncomingMessage, response: ServerResponse, body: unknown): void => {
    const path = (incoming.url ?? '/').split('?')[0]!;
    requests.push({
      method: incoming.method ?? 'GET',
      path,
      headers: headerRecord(incoming),
      body,
    });
    const route = `${incoming.method} ${path}`;
    if (route === 'POST /v1/embeddings') return sendJson(response, 200, embeddingsReply(body));
    const provider = CHAT_ROUTES[route];
    if (provider === undefined) {
      return sendJson(response, 404, { error: { message: `mock LLM: no route ${route}` } });
    }
    const chat = chatRequest(provider, path, body);
    const reply = nextReply(chat);
    if (reply === null) {
      return sendError(response, provider, 400, 'mock LLM script exhausted', undefined);
    }
    if (typeof reply === 'object' && 'status' in reply) {
      return sendError(response, provider, reply.status, 'scripted error', reply.body);
    }
    const { text, inputTokens, outputTokens } = typeof reply === 'string' ? { text: reply } : reply;
    const usage = {
      inputTokens: inputTokens ?? promptWords(chat),
      outputTokens: outputTokens ?? wordCount(text),
    };
    replyCount++;
    const render = provider === 'openai' ? openAiChatReply : anthropicReply;
    sendJson(response, 200, render(replyCount, chat.model, text, usage));
  };

  const server = createServer((incoming, response) => {
    readBody(incoming).then(
      (text) => respond(incoming, response, parseJsonOrText(text)),
      () => response.destroy(),
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Deterministic embedding of a text: a hashed bag of lower-case words, L2-normalised, so texts
 * sharing words have a high cosine similarity and unrelated texts a low one.
 */
export function mockEmbedding(text: string, dimensions = MOCK_EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9_]+/g) ?? []) {
    vector[fnv1a(word) % dimensions]! += 1;
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

function scriptReader(script: MockScript): (request: MockChatRequest) => MockReply | null {
  if (typeof script === 'function') return script;
  let next = 0;
  return () => (next < script.length ? script[next++]! : null);
}

function chatRequest(
  provider: 'openai' | 'anthropic',
  path: string,
  body: unknown,
): MockChatRequest {
  const record = (body ?? {}) as { model?: unknown; system?: unknown; messages?: unknown };
  const messages = (Array.isArray(record.messages) ? record.messages : []).map(
    (message: { role?: unknown; content?: unknown }) => ({
      role: String(message.role),
      content: contentText(message.content),
    }),
  );
  const isSystem = (message: { role: string }) =>
    message.role === 'system' || message.role === 'developer';
  const system =
    provider === 'anthropic'
      ? contentText(record.system)
      : messages
          .filter(isSystem)
          .map((message) => message.content)
          .join('\n');
  return {
    provider,
    path,
    model: String(record.model),
    system,
    messages: provider === 'anthropic' ? messages : messages.filter((m) => !isSystem(m)),
  };
}

/** Both providers accept a string or a list of `{type: 'text', text}` parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : ''))
    .join('');
}

interface Usage {
  inputTokens: number;
  outputTokens: number;
}

function openAiChatReply(id: number, model: string, text: string, usage: Usage): unknown {
  return {
    id: `chatcmpl-mock-${id}`,
    object: 'chat.completion',
    created: 0,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
  };
}

function anthropicReply(id: number, model: string, text: string, usage: Usage): unknown {
  return {
    id: `msg_mock_${id}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
  };
}

function embeddingsReply(body: unknown): unknown {
  const record = (body ?? {}) as { model?: unknown; input?: unknown; dimensions?: unknown };
  const inputs = Array.isArray(record.input) ? record.input.map(String) : [String(record.input)];
  const dimensions =
    typeof record.dimensions === 'number' ? record.dimensions : MOCK_EMBEDDING_DIMENSIONS;
  const tokens = inputs.reduce((sum, text) => sum + wordCount(text), 0);
  return {
    object: 'list',
    model: String(record.model),
    data: inputs.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: mockEmbedding(text, dimensions),
    })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function sendError(
  response: ServerResponse,
  provider: 'openai' | 'anthropic',
  status: number,
  message: string,
  body: unknown,
): void {
  const retryable = status === 429 || status >= 500;
  // Anthropic's SDK ignores a zero delay and backs off instead; 1 ms keeps tests fast with both.
  const headers: Record<string, string> = retryable
    ? { 'retry-after': '0', 'retry-after-ms': '1' }
    : {};
  const errorType =
    status === 429 ? 'rate_limit_error' : retryable ? 'api_error' : 'invalid_request_error';
  const defaultBody =
    provider === 'openai'
      ? { error: { message, type: errorType, code: null } }
      : { type: 'error', error: { type: errorType, message } };
  sendJson(response, status, body ?? defaultBody, headers);
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.on('error', reject);
  });
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function headerRecord(incoming: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function promptWords(chat: MockChatRequest): number {
  return chat.messages.reduce(
    (sum, message) => sum + wordCount(message.content),
    wordCount(chat.system),
  );
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
