import { describe, expect, it } from 'vitest';
import {
  REFERENCE_BANDWIDTH_GBPS,
  WHISPER_MODELS,
  WHISPER_SIZES,
  whisperLatencyMs,
  whisperSecondsPerAudioSecond,
} from './whisper.js';

describe('Whisper sizes', () => {
  it('reproduces the anchor: large on a V100S transcribes 13 minutes in 4 min 30 s', () => {
    expect(whisperSecondsPerAudioSecond('large-v3', REFERENCE_BANDWIDTH_GBPS) * 780).toBeCloseTo(
      270,
      9,
    );
  });

  it('gets slower, bigger and no less accurate as the size grows', () => {
    for (let i = 1; i < WHISPER_SIZES.length; i++) {
      const smaller = WHISPER_MODELS[WHISPER_SIZES[i - 1]!];
      const larger = WHISPER_MODELS[WHISPER_SIZES[i]!];
      expect(larger.parametersM).toBeGreaterThan(smaller.parametersM);
      expect(larger.memGib).toBeGreaterThanOrEqual(smaller.memGib);
      expect(larger.relativeSpeed).toBeLessThan(smaller.relativeSpeed);
      expect(larger.werPercent).toBeLessThanOrEqual(smaller.werPercent);
    }
  });

  it('is faster on a GPU with more bandwidth and slower under concurrent clips', () => {
    expect(whisperLatencyMs('small', 600, 1)).toBeGreaterThan(whisperLatencyMs('small', 3350, 1));
    const single = whisperSecondsPerAudioSecond('tiny', 600) * 30 * 1000;
    expect(whisperLatencyMs('tiny', 600, 0)).toBeCloseTo(single, 9);
    expect(whisperLatencyMs('tiny', 600, 1)).toBeCloseTo(single, 9);
    expect(whisperLatencyMs('tiny', 600, 3)).toBeCloseTo(2 * single, 9);
  });
});
