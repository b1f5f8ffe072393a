import { describe, expect, it } from 'vitest';
import type { UserError } from '../../core/errors.js';
import { parseCsv } from '../../core/io.js';
import {
  checkPriceList,
  listedPrice,
  listedProviders,
  parsePriceCell,
  seedOffer,
  seedPrice,
  unknownProvider,
} from './prices.js';

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

  it('seed: names the offer that priced a type, the A100 for the A10 included', () => {
    expect(seedOffer(LIST, 'AWS', 'A10')).toEqual({
      gpuModel: 'NVIDIA A100',
      usdPerHour: 32.77 / 8,
    });
    expect(seedOffer(LIST, 'AWS', 'L40')).toEqual({ gpuModel: 'NVIDIA L40S', usdPerHour: 3.42 });
    expect(seedOffer(LIST, 'Nebius', 'A100')).toBeUndefined();
  });

  it('lists each provider once, in the order of its first row', () => {
    expect(listedProviders(LIST)).toEqual(['AWS', 'CoreWeave', 'Nebius']);
  });

  it('matches a provider exactly, as the seed does, and names a near miss', () => {
    expect(unknownProvider(LIST, 'list.csv', 'AWS')).toBeNull();
    expect(unknownProvider(LIST, 'list.csv', 'aws')).toBe(
      'unknown provider "aws"; list.csv has AWS, CoreWeave, Nebius; did you mean "AWS"?',
    );
    expect(unknownProvider(LIST, 'list.csv', 'Corewave')).toMatch(/did you mean "CoreWeave"\?$/);
    expect(unknownProvider(LIST, 'list.csv', 'Oracle')).toBe(
      'unknown provider "Oracle"; list.csv has AWS, CoreWeave, Nebius',
    );
    const empty = parseCsv('Cloud Provider,GPU Model\n', 'empty.csv');
    expect(unknownProvider(empty, 'empty.csv', 'AWS')).toBe(
      'unknown provider "AWS"; empty.csv lists no offers',
    );
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

describe('price cells of cloud_instances_specs.csv', () => {
  it('reads every form the seed’s list uses', () => {
    expect(parsePriceCell('$98.32')).toBe(98.32);
    expect(parsePriceCell('$140-160 (estimated)')).toBe(150);
    expect(parsePriceCell('$5.50-6.50 per GPU')).toBe(6);
    expect(parsePriceCell('$2.21 per GPU (plus CPU/RAM)')).toBe(2.21);
    expect(parsePriceCell('$6.15 per GPU (full node)')).toBe(6.15);
    expect(parsePriceCell('~$1.80 per GPU')).toBe(1.8);
    expect(parsePriceCell('$1.82+')).toBe(1.82);
    expect(parsePriceCell('$1,234.50')).toBe(1234.5);
    expect(parsePriceCell('0')).toBe(0);
  });

  it('reads a cell without any digit as no price', () => {
    for (const none of ['Contact for pricing', 'N/A', '', '  '])
      expect(parsePriceCell(none)).toBeNull();
  });

  it('refuses numbers it would misread: signs, exponents, backward ranges, digits in words', () => {
    for (const bad of [
      '$-40.96',
      '-$40.96',
      '$1e308',
      '$40.96-',
      '$160-140',
      '$40.96 (2024)',
      '12 or 14',
      '$1.2.3',
    ])
      expect(parsePriceCell(bad), bad).toEqual(expect.any(String));
    expect(parsePriceCell('$99999999')).toMatch(/above the 1000000 USD per hour/);
  });

  it('checks a whole list, naming the file, line and column of a bad cell', () => {
    const text = (cell: string) =>
      `Cloud Provider,Instance Name,GPU Model,GPU Count,GPU Memory per GPU,Price per Hour USD
AWS,p4de.24xlarge,NVIDIA A100,8,80 GB HBM2e,$40.96
GCP,a2,NVIDIA A100,8,80 GB HBM2e,${cell}
`;
    const check = (cell: string) => () =>
      checkPriceList(parseCsv(text(cell), 'list.csv'), 'list.csv');
    expect(check('Contact for pricing')).not.toThrow();
    expect(check('$-40.96')).toThrow(/"\$-40\.96" is not a price/);
    let line = 'no error';
    try {
      check('$1e308')();
    } catch (error) {
      line = (error as UserError).format();
    }
    expect(line).toMatch(
      /^list\.csv: line 3, column 6 \(Price per Hour USD\): "\$1e308" is not a price/,
    );
    expect(() =>
      checkPriceList(parseCsv('Cloud Provider,GPU Model\nAWS,A100\n', 'list.csv'), 'list.csv'),
    ).toThrow('missing column "GPU Count"');
  });

  it('a bad cell is never priced, even when the list is not checked first', () => {
    const list = parseCsv(
      `Cloud Provider,Instance Name,GPU Model,GPU Count,GPU Memory per GPU,Price per Hour USD
AWS,p4de.24xlarge,NVIDIA A100,8,80 GB HBM2e,$-40.96
`,
      'list.csv',
    );
    expect(listedPrice(list, 'AWS', 'A100', 80)).toBeUndefined();
    expect(seedPrice(list, 'AWS', 'A100')).toBeUndefined();
  });
});
