import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nearMiss } from './near-miss.js';

const NAMES = ['num_decoder_layers', 'd_model', 'max_batch_size', 'min_batch_size'];

describe('nearMiss', () => {
  it('finds the name a small typo, a case or an underscore change misspells', () => {
    expect(nearMiss('num_decoder_layer', NAMES)).toBe('num_decoder_layers');
    expect(nearMiss('NumDecoderLayers', NAMES)).toBe('num_decoder_layers');
    expect(nearMiss('max_bacth_size', NAMES)).toBe('max_batch_size');
    expect(nearMiss('dmodel', NAMES)).toBe('d_model');
  });

  it('counts two neighbouring letters swapped as one edit', () => {
    expect(nearMiss('stpe', ['type', 'step'])).toBe('step');
    expect(nearMiss('nmu_decoder_layers', NAMES, 1)).toBe('num_decoder_layers');
    expect(nearMiss('mdoel_d', NAMES, 1)).toBeNull();
  });

  it('leaves a name that is far from all, or one of them', () => {
    expect(nearMiss('optimization_priority', NAMES)).toBeNull();
    expect(nearMiss('time_limit_seconds', NAMES)).toBeNull();
    expect(nearMiss('max_batch_size', NAMES)).toBeNull();
  });

  it('finds any name with one letter changed, and never a name further than allowed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.nat(),
        fc.constantFrom('q', 'x', 'z'),
        (name, at, letter) => {
          const i = at % name.length;
          fc.pre(name[i] !== letter);
          const typo = name.slice(0, i) + letter + name.slice(i + 1);
          const found = nearMiss(typo, NAMES);
          expect(found === name || (found !== null && NAMES.includes(found))).toBe(true);
          expect(nearMiss(typo + 'qqq', NAMES, 2)).toBeNull();
        },
      ),
    );
  });
});
