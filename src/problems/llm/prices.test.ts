import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../core/io.js';
import { listedPrice, seedPrice } from './prices.js';

/** Rows of the seed's price list, in its column layout. */
const LIST = parseCsv(
  `Cloud Provider,Instance Name,GPU Model,GPU Count,GPU Memory per GPU,Price per Hour USD
AWS,p4de.24xlarge,NVIDIA A100,8,80 GB HBM2e,$40.96
AWS,p4d.24xlarge,NVIDIA A100,8,40 GB HBM2e,$32.77
AWS,g6e.48xlarge,NVIDIA L40S,8,48 GB GDDR6,$27.39
AWS,g6e.4xlarge,NVIDIA L40S,1,48 GB GDDR6,$3.42
AWS,g5.xlarge,NVIDIA A10G,1,24 GB GDDR6,$1.01
AWS,p6-b200.48xlarge,NVIDIA B200,8,192 GB HBM3e,$140-160 (estimated)
CoreWeave,HGX H200,NVIDIA H200,8,141 GB HBM3e,$5.50-6.50 per GPU
Nebius,L40S with AMD (1-8 GPU),NVIDIA L40S,1-8,48 GB GDDR6,$1.82+
`,
  'cloud_instances_specs.csv',
);

describe('prices from cloud_instances_specs.csv', () => {
  it('seed: per GPU model string, the later row wins, and the first model containing the type', () => {
    expect(seedPrice(LIST, 'AWS', 'A100')).toBe(32.77 / 8);
    expect(seedPrice(LIST, 'AWS', 'A10')).toBe(32.77 / 8);
    expect(seedPrice(LIST, 'AWS', 'L40')).toBe(3.42);
    expect(seedPrice(LIST, 'AWS', 'B200')).toBe(150 / 8);
    expect(seedPrice(LIST, 'AWS', 'T4')).toBeUndefined();
  });

  it('listed: the exact GPU model and memory, per-GPU prices as given, the cheapest offer', () => {
    expect(listedPrice(LIST, 'AWS', 'A100', 80)).toBe(40.96 / 8);
    expect(listedPrice(LIST, 'AWS', 'a100', 40)).toBe(32.77 / 8);
    expect(listedPrice(LIST, 'AWS', 'NVIDIA A10G', 24)).toBe(1.01);
    expect(listedPrice(LIST, 'AWS', 'L40S', 48)).toBe(3.42);
    expect(listedPrice(LIST, 'CoreWeave', 'H200', 141)).toBe(6);
    expect(listedPrice(LIST, 'AWS', 'A10', 24)).toBeUndefined();
    expect(listedPrice(LIST, 'AWS', 'L40', 48)).toBeUndefined();
    expect(listedPrice(LIST, 'AWS', 'A100', 64)).toBeUndefined();
    // No GPU count and no "per GPU": not a price per GPU.
    expect(listedPrice(LIST, 'Nebius', 'L40S', 48)).toBeUndefined();
  });
});
