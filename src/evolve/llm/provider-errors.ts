import { APIError as AnthropicApiError } from '@anthropic-ai/sdk';
import { APIError as OpenAiApiError } from 'openai';
import { UserError } from '../../core/errors.js';
import type { Connection } from './connection.js';
import type { ModelSpec } from './model-spec.js';

/**
 * Turn the provider failures only the user can fix (a refused key, an unknown model or URL)
 * into a UserError that says what to check; any other error (rate limits after the retries,
 * server faults, a prompt too long) is returned unchanged for the engine to count as a failed
 * proposal.
 */
export function explainProviderError(
  error: unknown,
  spec: ModelSpec,
  connection: Connection,
): unknown {
  if (!(error instanceof OpenAiApiError || error instanceof AnthropicApiError)) return error;
  const where = `${spec.label}: ${connection.baseUrl}`;
  if (error.status === 401 || error.status === 403) {
    return new UserError(
      `${where} refused the API key in ${connection.apiKeyEnv}: ${error.message}; check the key`,
    );
  }
  if (error.status === 404) {
    return new UserError(
      `${where} does not serve model "${spec.model}": ${error.message}; check the model name and the base URL`,
    );
  }
  return error;
}
