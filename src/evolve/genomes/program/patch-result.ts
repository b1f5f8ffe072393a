/** The outcome of applying an LLM's patch: the new program, or why it could not be applied. */
export type PatchResult = { ok: true; code: string } | { ok: false; reason: string };

export function patchFailure(reason: string): PatchResult {
  return { ok: false, reason };
}
