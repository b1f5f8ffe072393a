import { UserError } from '../../core/errors.js';
import { nearMiss } from '../../core/near-miss.js';

/**
 * Which LLM to call, as the user names it:
 * - `openai:gpt-4.1`, `anthropic:claude-sonnet-4-5`: the provider's own API;
 * - `http://127.0.0.1:8000/v1#qwen2.5-coder`: any OpenAI-compatible server (vLLM, Ollama,
 *   OpenRouter, Gemini's compatible endpoint), its base URL up to `/v1`, then `#` and the model.
 * `label` is the normalised text: the name runs, prices and statistics use for the model.
 */
export interface ModelSpec {
  provider: 'openai' | 'anthropic';
  model: string;
  baseUrl: string | null;
  label: string;
}

/** The providers a model spec may name before its colon. */
export const MODEL_PROVIDERS = ['openai', 'anthropic'] as const;

const FORMS =
  'write openai:MODEL, anthropic:MODEL or an OpenAI-compatible URL#MODEL ' +
  '(e.g. openai:gpt-4.1, anthropic:claude-sonnet-4-5, http://127.0.0.1:8000/v1#qwen2.5-coder)';

export function parseModelSpec(text: string): ModelSpec {
  const trimmed = text.trim();
  if (/^https?:\/\//i.test(trimmed)) return parseUrlSpec(trimmed);
  const colon = trimmed.indexOf(':');
  const provider = MODEL_PROVIDERS.find((name) => name === trimmed.slice(0, colon).toLowerCase());
  if (colon < 0 || provider === undefined) {
    const meant = colon > 0 ? nearMiss(trimmed.slice(0, colon), MODEL_PROVIDERS) : null;
    throw new UserError(
      `unknown LLM "${text}": ${meant ? `did you mean "${meant}${trimmed.slice(colon)}"? ` : ''}${FORMS}`,
    );
  }
  const model = checkedModel(trimmed.slice(colon + 1), text);
  return { provider, model, baseUrl: null, label: `${provider}:${model}` };
}

function parseUrlSpec(text: string): ModelSpec {
  const hash = text.indexOf('#');
  if (hash < 0) {
    throw new UserError(`LLM "${text}" names no model: add #MODEL after the base URL (${FORMS})`);
  }
  const model = checkedModel(text.slice(hash + 1), text);
  const baseUrl = text.slice(0, hash).replace(/\/+$/, '');
  if (!URL.canParse(baseUrl)) {
    throw new UserError(`LLM "${text}" has an invalid base URL "${baseUrl}": ${FORMS}`);
  }
  return { provider: 'openai', model, baseUrl, label: `${baseUrl}#${model}` };
}

function checkedModel(model: string, text: string): string {
  if (model === '' || /\s/.test(model)) {
    throw new UserError(`LLM "${text}" needs a model name without spaces: ${FORMS}`);
  }
  return model;
}
