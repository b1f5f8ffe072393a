import { createHash } from 'node:crypto';
import type { Promotion, PromotionBody } from './schema.js';

/**
 * JSON with every object's keys in sorted order and no whitespace, so that equal content gives
 * equal text whatever order the keys were written in. Arrays keep their order.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The signature of a promotion: SHA-256 (hex) of the canonical JSON of all but `signature`. */
export function signatureOf(body: PromotionBody): string {
  const unsigned: Partial<Promotion> = { ...body };
  delete unsigned.signature;
  return sha256Hex(canonicalJson(unsigned));
}

/** Whether the promotion's signature matches its content (no field was edited). */
export function hasValidSignature(promotion: Promotion): boolean {
  return signatureOf(promotion) === promotion.signature;
}
