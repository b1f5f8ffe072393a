import { afterEach, describe, expect, it } from 'vitest';
import {
  mockEmbedding,
  startMockLlmServer,
  type MockChatRequest,
  type MockLlmServer,
} from './mock-llm-server.js';

let server: MockLlmServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server!.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as unknown,
  };
}

describe('mock LLM server', () => {
  it('answers OpenAI chat in order, with usage, and records the request', async () => {
    server = await startMockLlmServer(['one two', 'three']);
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'hello there' }] },
      ],
    };
    const first = await post('/v1/chat/completions', body, { authorization: 'Bearer k' });
    expect(first.json).toMatchObject({
      model: 'm',
      choices: [{ message: { role: 'assistant', content: 'one two' } }],
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    });
    expect((await post('/v1/chat/completions', body)).json).toMatchObject({
      choices: [{ message: { content: 'three' } }],
    });
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer k' },
      body,
    });
  });

  it('shows the script function the same request shape for both providers', async () => {
    const seen: MockChatRequest[] = [];
    server = await startMockLlmServer((chat) => {
      seen.push(chat);
      return 'ok';
    });
    await post('/v1/chat/completions', {
      model: 'gpt',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi' },
      ],
    });
    const anthropic = await post('/v1/messages', {
      model: 'claude',
      system: [{ type: 'text', text: 'sys' }],
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 10,
    });
    expect(anthropic.json).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'ok' }],
      usage: { input_tokens: 2, output_tokens: 1 },
    });
    const shape = { system: 'sys', messages: [{ role: 'user', content: 'hi' }] };
    expect(seen).toEqual([
      { provider: 'openai', path: '/v1/chat/completions', model: 'gpt', ...shape },
      { provider: 'anthropic', path: '/v1/messages', model: 'claude', ...shape },
    ]);
  });

  it('sends scripted errors with retry-after headers, and 400 once the script runs out', async () => {
    server = await startMockLlmServer([{ status: 429 }]);
    const limited = await post('/v1/messages', { model: 'c', messages: [] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('0');
    expect(limited.json).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const exhausted = await post('/v1/chat/completions', { model: 'g', messages: [] });
    expect(exhausted.status).toBe(400);
    expect(exhausted.json).toMatchObject({ error: { message: 'mock LLM script exhausted' } });
  });

  it('embeds without consuming the script and answers 404 to unknown routes', async () => {
    server = await startMockLlmServer([]);
    const embedded = await post('/v1/embeddings', { model: 'e', input: 'a b', dimensions: 8 });
    expect(embedded.json).toMatchObject({
      data: [{ index: 0, embedding: mockEmbedding('a b', 8) }],
      usage: { prompt_tokens: 2 },
    });
    expect((await post('/v1/completions', {})).status).toBe(404);
  });
});

describe('mockEmbedding', () => {
  it('is deterministic, unit length, case-insensitive, and zero for no words', () => {
    const vector = mockEmbedding('Pack the GPUs tightly');
    expect(vector).toEqual(mockEmbedding('pack the gpus tightly'));
    expect(Math.hypot(...vector)).toBeCloseTo(1, 12);
    expect(mockEmbedding('  ...  ').every((value) => value === 0)).toBe(true);
  });
});
