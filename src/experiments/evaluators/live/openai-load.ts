import { tail } from '../command.js';
import { runLoad, type LoadResult } from './load.js';
import type { ChatSettings, TranscriptionSettings } from './settings.js';

/** An audio file read once and sent with every transcription request. */
export interface Audio {
  name: string;
  bytes: Buffer;
}

/** `url` without a trailing slash or `/v1`, then `path`. */
function endpoint(url: string, path: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '') + path;
}

/** POST and read a JSON answer; a non-2xx status or a non-JSON body throws. */
async function postJson(
  url: string,
  body: string | FormData,
  apiKeyEnv: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (typeof body === 'string') headers['content-type'] = 'application/json';
  const key = apiKeyEnv ? process.env[apiKeyEnv] : undefined;
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(url, { method: 'POST', headers, body, signal });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${tail(text, 200)}`);
  const payload: unknown = JSON.parse(text);
  if (typeof payload !== 'object' || payload === null) throw new Error('the answer is not JSON');
  return payload as Record<string, unknown>;
}

/** The chat load: POST /v1/chat/completions with the same one-message prompt every time. */
export function chatLoad(chat: ChatSettings, signal: AbortSignal | undefined): Promise<LoadResult> {
  const body = JSON.stringify({
    model: chat.model,
    messages: [{ role: 'user', content: chat.prompt }],
    max_tokens: chat.maxTokens,
    temperature: 0,
  });
  const url = endpoint(chat.url, '/v1/chat/completions');
  return runLoad(
    chat.requests,
    chat.concurrency,
    async (requestSignal) => {
      const answer = await postJson(url, body, chat.apiKeyEnv, requestSignal);
      if (!Array.isArray(answer.choices)) throw new Error('the answer has no choices');
      const usage = answer.usage as { completion_tokens?: unknown } | undefined;
      return typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : 0;
    },
    signal,
  );
}

/** The transcription load: multipart POST /v1/audio/transcriptions of `audio` every time. */
export function transcriptionLoad(
  transcription: TranscriptionSettings,
  audio: Audio,
  signal: AbortSignal | undefined,
): Promise<LoadResult> {
  const url = endpoint(transcription.url, '/v1/audio/transcriptions');
  const file = new Blob([audio.bytes]);
  return runLoad(
    transcription.requests,
    transcription.concurrency,
    async (requestSignal) => {
      const form = new FormData();
      form.append('file', file, audio.name);
      form.append('model', transcription.model);
      form.append('response_format', 'json');
      const answer = await postJson(url, form, transcription.apiKeyEnv, requestSignal);
      if (typeof answer.text !== 'string') throw new Error('the answer has no text');
      return 0;
    },
    signal,
  );
}
