import { UserError } from '../../core/errors.js';
import type { ModelSpec } from './model-spec.js';
import type { ClientOptions } from './types.js';

/** Where a client sends its requests and the key it sends. */
export interface Connection {
  baseUrl: string;
  apiKey: string;
  /** The variable the key came from (named in error messages). */
  apiKeyEnv: string;
}

const DEFAULTS = {
  openai: { baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY' },
  anthropic: { baseUrl: 'https://api.anthropic.com', apiKeyEnv: 'ANTHROPIC_API_KEY' },
} as const;

/** Sent to a server on this machine when no key is set: local vLLM/Ollama servers want none. */
const LOCAL_PLACEHOLDER_KEY = 'none';

/**
 * The base URL (spec, then options, then the provider's) and the key from the named environment
 * variable. A missing key is a user error unless the server is on this machine.
 */
export function resolveConnection(spec: ModelSpec, options: ClientOptions): Connection {
  const defaults = DEFAULTS[spec.provider];
  const given = (spec.baseUrl ?? options.baseUrl)?.replace(/\/+$/, '');
  if (given !== undefined && !URL.canParse(given)) {
    throw new UserError(
      `${spec.label}: invalid base URL "${given}"; write e.g. http://127.0.0.1:8000/v1`,
    );
  }
  const baseUrl =
    given === undefined
      ? defaults.baseUrl
      : spec.provider === 'anthropic'
        ? given.replace(/\/v1$/, '')
        : given;
  const apiKeyEnv = options.apiKeyEnv ?? defaults.apiKeyEnv;
  const apiKey = (options.env ?? process.env)[apiKeyEnv];
  if (apiKey) return { baseUrl, apiKey, apiKeyEnv };
  if (isLocalUrl(baseUrl)) return { baseUrl, apiKey: LOCAL_PLACEHOLDER_KEY, apiKeyEnv };
  throw new UserError(
    `${spec.label}: no API key: set the environment variable ${apiKeyEnv} ` +
      `(any value for a server that needs no key)`,
  );
}

/** Loopback hosts: a server there is the user's own and needs no key. */
function isLocalUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const host = new URL(url).hostname;
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    host.startsWith('127.')
  );
}
