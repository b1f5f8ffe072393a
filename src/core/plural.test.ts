import { describe, expect, it } from 'vitest';
import { counted } from './plural.js';

describe('counted', () => {
  it('says one in the singular and any other number in the plural', () => {
    expect(counted(1, 'layer')).toBe('1 layer');
    expect(counted(0, 'layer')).toBe('0 layers');
    expect(counted(58, 'layer')).toBe('58 layers');
  });
});
