import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { createPromotion, writePromotionFile, type CreatePromotionArgs } from './create.js';
import { readPromotionFile } from './read.js';
import { PROMOTION_ID } from './schema.js';
import { hasValidSignature, signatureOf } from './signature.js';

const args: CreatePromotionArgs = {
  experiment: 'gpu-colocation',
  params: { gpu_memory_utilization: 0.45, whisper_size: 'base' },
  metrics: { latencyMs: 120, capacity: 14 },
  fitness: 0.82,
  apply: {
    target: 'env',
    file: 'promoted.env',
    map: { gpu_memory_utilization: 'VLLM_GPU_MEMORY_UTILIZATION', whisper_size: 'WHISPER_MODEL' },
  },
  guardrails: { gpu_memory_utilization: { min: 0.4, max: 0.6 } },
  now: new Date('2025-03-04T05:06:07.890Z'),
};

describe('createPromotion', () => {
  it('signs the winner and names it <experiment>-<utc stamp>-<8 hex>', () => {
    const promotion = createPromotion(args);
    expect(promotion.id).toMatch(/^gpu-colocation-20250304050607-[0-9a-f]{8}$/);
    expect(promotion.id).toMatch(PROMOTION_ID);
    expect(promotion.expiresAt).toBe('2025-03-11T05:06:07.890Z');
    expect(hasValidSignature(promotion)).toBe(true);
    expect(createPromotion(args)).toEqual(promotion);
    expect(createPromotion({ ...args, fitness: 0.83 }).id).not.toBe(promotion.id);
  });

  it('refuses a disqualified candidate (OOM: fitness 0)', () => {
    expect(() => createPromotion({ ...args, fitness: 0, disqualified: true })).toThrow(
      /disqualified/,
    );
  });

  it('refuses values outside the guardrails', () => {
    const params = { ...args.params, gpu_memory_utilization: 0.7 };
    expect(() => createPromotion({ ...args, params })).toThrow(/above the guardrail maximum 0.6/);
    const allowed = { whisper_size: { allowed: ['tiny', 'small'] } };
    expect(() => createPromotion({ ...args, guardrails: allowed })).toThrow(/whisper_size/);
    const numeric = { whisper_size: { max: 1 } };
    expect(() => createPromotion({ ...args, guardrails: numeric })).toThrow(/not a number/);
  });

  it('refuses a bad apply map with the field named', () => {
    const map = { gpu_memory_utilization: 'not a name' };
    try {
      createPromotion({ ...args, apply: { ...args.apply, map } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).format()).toMatch(/apply\.map\.gpu_memory_utilization/);
    }
    const flags = { target: 'flags' as const, file: 'f', map: { whisper_size: 'WHISPER' } };
    expect(() => createPromotion({ ...args, apply: flags })).toThrow(/--gpu-memory/);
    const unknown = { ...args.apply, map: { nope: 'NOPE' } };
    expect(() => createPromotion({ ...args, apply: unknown })).toThrow(/not one of the promoted/);
  });

  it('writes a file that reads back equal and verifies', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'evoplace-promo-')), 'p.json');
    const promotion = createPromotion(args);
    writePromotionFile(path, promotion);
    const back = readPromotionFile(path);
    expect(back).toEqual(promotion);
    expect(signatureOf(back)).toBe(promotion.signature);
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
  });
});
