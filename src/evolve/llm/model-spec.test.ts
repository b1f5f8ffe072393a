import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { parseModelSpec } from './model-spec.js';

describe('parseModelSpec', () => {
  it('reads provider:model', () => {
    expect(parseModelSpec('openai:gpt-4.1')).toEqual({
      provider: 'openai',
      model: 'gpt-4.1',
      baseUrl: null,
      label: 'openai:gpt-4.1',
    });
    expect(parseModelSpec(' Anthropic:claude-sonnet-4-5 ')).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      baseUrl: null,
      label: 'anthropic:claude-sonnet-4-5',
    });
  });

  it('keeps colons and slashes inside the model name', () => {
    expect(parseModelSpec('openai:ft:gpt-4.1:org::abc').model).toBe('ft:gpt-4.1:org::abc');
    expect(parseModelSpec('https://openrouter.ai/api/v1#qwen/qwen3-coder').model).toBe(
      'qwen/qwen3-coder',
    );
  });

  it('reads an OpenAI-compatible URL#model and drops trailing slashes from the URL', () => {
    expect(parseModelSpec('http://127.0.0.1:8000/v1/#qwen2.5-coder')).toEqual({
      provider: 'openai',
      model: 'qwen2.5-coder',
      baseUrl: 'http://127.0.0.1:8000/v1',
      label: 'http://127.0.0.1:8000/v1#qwen2.5-coder',
    });
  });

  it.each([
    ['gpt-4.1', /unknown LLM "gpt-4.1": write openai:MODEL/],
    ['google:gemini', /unknown LLM "google:gemini"/],
    ['opnai:gpt-4.1', /unknown LLM "opnai:gpt-4\.1": did you mean "openai:gpt-4\.1"\? write/],
    ['', /unknown LLM ""/],
    ['openai:', /needs a model name/],
    ['anthropic:claude sonnet', /needs a model name without spaces/],
    ['http://127.0.0.1:8000/v1', /names no model: add #MODEL/],
    ['http://127.0.0.1:8000/v1#', /needs a model name/],
    ['http://#qwen', /invalid base URL/],
  ])('rejects %j with the fix', (text, message) => {
    expect(() => parseModelSpec(text)).toThrow(UserError);
    expect(() => parseModelSpec(text)).toThrow(message);
  });
});
