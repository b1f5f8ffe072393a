import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import {
  startMockLlmServer,
  type MockChatRequest,
  type MockLlmServer,
  type MockScript,
} from '../../../test/support/mock-llm-server.js';
import { createChatClient, createEmbeddingClient } from './clients.js';
import { parseModelSpec } from './model-spec.js';
import type { ChatRequest, ClientOptions } from './types.js';

const request: ChatRequest = {
  system: 'You improve placement programs.',
  messages: [
    { role: 'user', content: 'Make it faster please' },
    { role: 'assistant', content: 'Which part?' },
    { role: 'user', content: 'The packing loop' },
  ],
  temperature: 0.7,
  maxTokens: 512,
};

let server: MockLlmServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(script: MockScript): Promise<MockLlmServer> {
  server = await startMockLlmServer(script);
  return server;
}

function options(overrides: Partial<ClientOptions> = {}): ClientOptions {
  return { maxRetries: 2, timeoutMs: 10_000, env: {}, ...overrides };
}

describe('OpenAI-compatible chat', () => {
  it('round-trips text and token counts, sending the key from the named variable', async () => {
    const mock = await start(['Try a heap instead of a sorted list']);
    const client = createChatClient(
      parseModelSpec(`${mock.baseUrl}/v1#qwen2.5-coder`),
      options({ apiKeyEnv: 'VLLM_KEY', env: { VLLM_KEY: 'sk-vllm', OPENAI_API_KEY: 'sk-wrong' } }),
    );
    const reply = await client.chat(request);
    expect(reply).toEqual({
      text: 'Try a heap instead of a sorted list',
      // Words in the system prompt and the three messages, as the mock counts tokens.
      inputTokens: 4 + 4 + 2 + 3,
      outputTokens: 8,
      model: 'qwen2.5-coder',
    });
    expect(mock.requests).toHaveLength(1);
    const [sent] = mock.requests;
    expect(sent!.path).toBe('/v1/chat/completions');
    expect(sent!.headers.authorization).toBe('Bearer sk-vllm');
    expect(sent!.body).toMatchObject({
      model: 'qwen2.5-coder',
      messages: [{ role: 'system', content: request.system }, ...request.messages],
      temperature: 0.7,
      max_tokens: 512,
    });
  });

  it('uses options.baseUrl for openai:MODEL and OPENAI_API_KEY by default', async () => {
    const mock = await start([{ text: 'ok', inputTokens: 1200, outputTokens: 34 }]);
    const client = createChatClient(
      parseModelSpec('openai:gpt-4.1'),
      options({ baseUrl: `${mock.baseUrl}/v1/`, env: { OPENAI_API_KEY: 'sk-openai' } }),
    );
    const reply = await client.chat({ ...request, system: '' });
    expect(reply).toMatchObject({ text: 'ok', inputTokens: 1200, outputTokens: 34 });
    expect(mock.requests[0]!.headers.authorization).toBe('Bearer sk-openai');
    expect((mock.requests[0]!.body as { messages: unknown[] }).messages).toEqual(request.messages);
  });

  it('sends a placeholder key to a server on this machine when none is set', async () => {
    const mock = await start(['hi']);
    const client = createChatClient(parseModelSpec(`${mock.baseUrl}/v1#local`), options());
    expect((await client.chat(request)).text).toBe('hi');
    expect(mock.requests[0]!.headers.authorization).toBe('Bearer none');
  });
});

describe('Anthropic chat', () => {
  it('round-trips text and token counts, with the system prompt and no sampling parameters', async () => {
    const mock = await start([
      { text: 'Use binary search on the target.', inputTokens: 321, outputTokens: 54 },
    ]);
    const client = createChatClient(
      parseModelSpec('anthropic:claude-test'),
      // A trailing /v1 is tolerated: the SDK adds /v1/messages itself.
      options({ baseUrl: `${mock.baseUrl}/v1`, env: { ANTHROPIC_API_KEY: 'sk-ant-test' } }),
    );
    const reply = await client.chat(request);
    expect(reply).toEqual({
      text: 'Use binary search on the target.',
      inputTokens: 321,
      outputTokens: 54,
      model: 'claude-test',
    });
    const [sent] = mock.requests;
    expect(sent!.path).toBe('/v1/messages');
    expect(sent!.headers.authorization).toBe('Bearer sk-ant-test');
    expect(sent!.body).toMatchObject({
      model: 'claude-test',
      system: request.system,
      messages: request.messages,
      max_tokens: 512,
    });
    expect(sent!.body).not.toHaveProperty('temperature');
  });

  it('passes what the script function is shown', async () => {
    const seen: MockChatRequest[] = [];
    const mock = await start((chat) => {
      seen.push(chat);
      return `reply to ${chat.messages.length} messages`;
    });
    const client = createChatClient(
      parseModelSpec('anthropic:claude-test'),
      options({ baseUrl: mock.baseUrl, apiKeyEnv: 'MY_KEY', env: { MY_KEY: 'k' } }),
    );
    expect((await client.chat(request)).text).toBe('reply to 3 messages');
    expect(seen).toEqual([
      {
        provider: 'anthropic',
        path: '/v1/messages',
        model: 'claude-test',
        system: request.system,
        messages: request.messages,
      },
    ]);
  });
});

describe('retries', () => {
  const providers = [
    { name: 'openai', spec: 'openai:gpt-4.1', suffix: '/v1' },
    { name: 'anthropic', spec: 'anthropic:claude-test', suffix: '' },
  ];

  for (const provider of providers) {
    const clientFor = (mock: MockLlmServer, maxRetries: number) =>
      createChatClient(
        parseModelSpec(provider.spec),
        options({
          baseUrl: mock.baseUrl + provider.suffix,
          maxRetries,
          apiKeyEnv: 'KEY',
          env: { KEY: 'k' },
        }),
      );

    it(`${provider.name}: retries 429 responses, then succeeds once`, async () => {
      const mock = await start([{ status: 429 }, { status: 429 }, 'finally']);
      const reply = await clientFor(mock, 2).chat(request);
      expect(reply.text).toBe('finally');
      expect(mock.requests).toHaveLength(3);
    });

    it(`${provider.name}: retries a 500 response`, async () => {
      const mock = await start([{ status: 500 }, 'recovered']);
      expect((await clientFor(mock, 2).chat(request)).text).toBe('recovered');
      expect(mock.requests).toHaveLength(2);
    });

    it(`${provider.name}: gives up after maxRetries with the provider's error`, async () => {
      const mock = await start([{ status: 429 }, { status: 429 }, { status: 429 }, 'too late']);
      const error = await clientFor(mock, 2)
        .chat(request)
        .then(
          () => null,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(UserError);
      expect((error as { status?: number }).status).toBe(429);
      expect(mock.requests).toHaveLength(3);
    });
  }
});

describe('user mistakes', () => {
  it('names the missing key variable for a remote API, before any request', () => {
    expect(() => createChatClient(parseModelSpec('openai:gpt-4.1'), options())).toThrow(
      /openai:gpt-4\.1: no API key: set the environment variable OPENAI_API_KEY/,
    );
    expect(() =>
      createChatClient(
        parseModelSpec('anthropic:claude-test'),
        options({ apiKeyEnv: 'TEAM_CLAUDE_KEY' }),
      ),
    ).toThrow(/TEAM_CLAUDE_KEY/);
    expect(() =>
      createChatClient(parseModelSpec('https://openrouter.ai/api/v1#qwen/qwen3-coder'), options()),
    ).toThrow(UserError);
  });

  it('turns a refused key into a UserError naming the variable, without retrying', async () => {
    const mock = await start([{ status: 401 }]);
    const client = createChatClient(
      parseModelSpec('openai:gpt-4.1'),
      options({ baseUrl: `${mock.baseUrl}/v1`, env: { OPENAI_API_KEY: 'sk-bad' } }),
    );
    const chat = client.chat(request);
    await expect(chat).rejects.toThrow(UserError);
    await expect(chat).rejects.toThrow(/refused the API key in OPENAI_API_KEY/);
    expect(mock.requests).toHaveLength(1);
  });

  it('turns an unknown model into a UserError naming the model', async () => {
    const mock = await start([{ status: 404 }]);
    const client = createChatClient(
      parseModelSpec('anthropic:claude-nonexistent'),
      options({ baseUrl: mock.baseUrl, env: { ANTHROPIC_API_KEY: 'k' } }),
    );
    await expect(client.chat(request)).rejects.toThrow(/does not serve model "claude-nonexistent"/);
  });

  it('rejects an invalid base URL in the options', () => {
    expect(() =>
      createChatClient(parseModelSpec('anthropic:claude-test'), options({ baseUrl: 'not a url' })),
    ).toThrow(/invalid base URL "not a url"/);
  });
});

describe('cancellation', () => {
  it('rejects without a request when the signal is already aborted', async () => {
    const mock = await start(['never']);
    const client = createChatClient(parseModelSpec(`${mock.baseUrl}/v1#m`), options());
    await expect(client.chat(request, AbortSignal.abort())).rejects.toThrow();
    expect(mock.requests).toHaveLength(0);
  });
});

describe('embeddings', () => {
  const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

  it('returns one vector per text, in order, with the token count', async () => {
    const mock = await start([]);
    const client = createEmbeddingClient(
      parseModelSpec(`${mock.baseUrl}/v1#embed-small`),
      options({ env: { OPENAI_API_KEY: 'sk-e' } }),
    );
    const texts = [
      'sort models by size then pack greedily',
      'sort the models by size and pack them greedily',
      'binary search over the kv cache pressure target',
    ];
    const { vectors, inputTokens } = await client.embed(texts);
    expect(vectors).toHaveLength(3);
    expect(inputTokens).toBe(7 + 9 + 8);
    expect(cosine(vectors[0]!, vectors[1]!)).toBeGreaterThan(0.7);
    expect(cosine(vectors[0]!, vectors[2]!)).toBeLessThan(0.3);
    expect(mock.requests[0]).toMatchObject({
      path: '/v1/embeddings',
      headers: { authorization: 'Bearer sk-e' },
      body: { model: 'embed-small', input: texts, encoding_format: 'float' },
    });
  });

  it('sends nothing for no texts', async () => {
    const mock = await start([]);
    const client = createEmbeddingClient(parseModelSpec(`${mock.baseUrl}/v1#e`), options());
    expect(await client.embed([])).toEqual({ vectors: [], inputTokens: 0 });
    expect(mock.requests).toHaveLength(0);
  });

  it('refuses an Anthropic embedding model with the alternative', () => {
    expect(() =>
      createEmbeddingClient(
        parseModelSpec('anthropic:claude-test'),
        options({ env: { ANTHROPIC_API_KEY: 'k' } }),
      ),
    ).toThrow(/Anthropic has no embeddings API; name an OpenAI-compatible embedding model/);
  });
});
