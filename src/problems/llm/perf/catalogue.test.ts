import { describe, expect, it } from 'vitest';
import { findGpu, GPU_CATALOGUE } from './catalogue.js';

describe('GPU catalogue', () => {
  it('has every GPU of the issue, each figure positive and sourced, names unique', () => {
    for (const name of ['H200', 'H100 SXM', 'H100 PCIe', 'A100 40GB', 'A100 80GB', 'L40S', 'L40'])
      expect(GPU_CATALOGUE.map((g) => g.name)).toContain(name);
    for (const name of ['L4', 'A10G', 'A10', 'V100', 'T4', 'A40', 'RTX4090', 'L20'])
      expect(GPU_CATALOGUE.map((g) => g.name)).toContain(name);
    for (const g of GPU_CATALOGUE) {
      expect([g.memoryGb, g.memBwGbps, g.tflops, g.linkGbps].every((v) => v > 0)).toBe(true);
      expect(g.source).toMatch(/https:\/\//);
    }
    expect(new Set(GPU_CATALOGUE.map((g) => g.name)).size).toBe(GPU_CATALOGUE.length);
  });

  it('finds a GPU by name or alias, ignoring case and separators; memory settles shared names', () => {
    expect(findGpu('h100', 80)).toMatchObject({ name: 'H100 SXM', memBwGbps: 3350 });
    expect(findGpu('A100-40GB', 40)).toMatchObject({ name: 'A100 40GB', memBwGbps: 1555 });
    expect(findGpu('A100', 80)).toMatchObject({ name: 'A100 80GB', memBwGbps: 2039 });
    expect(findGpu('A100', 40)).toMatchObject({ name: 'A100 40GB' });
    expect(findGpu('V100', 16)).toMatchObject({ name: 'V100' });
    expect(findGpu('geforce_rtx_4090', 24)).toMatchObject({ name: 'RTX4090' });
    expect(findGpu('A100', 64)).toBe(
      'GPU type "A100" with 64 GB is ambiguous; name one of "A100 80GB", "A100 40GB"',
    );
    expect(findGpu('B300', 288)).toMatch(/^unknown GPU type "B300"; known: H200, H100 SXM/);
  });
});
