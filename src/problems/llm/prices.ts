import type { CsvTable } from '../../core/io.js';

/** One offer of `cloud_instances_specs.csv` at one provider. */
interface Offer {
  gpuModel: string;
  gpuCount: number;
  /** GPU memory in GB from "80 GB HBM2e"; NaN when the cell has no number. */
  memoryGb: number;
  /** The price cell: "$98.32", "$140-160 (estimated)", "$2.21 per GPU (plus CPU/RAM)". */
  priceText: string;
}

function offers(table: CsvTable, provider: string): Offer[] {
  const col = (name: string): number => table.header.indexOf(name);
  const [p, m, c, mem, price] = [
    col('Cloud Provider'),
    col('GPU Model'),
    col('GPU Count'),
    col('GPU Memory per GPU'),
    col('Price per Hour USD'),
  ];
  return table.rows
    .filter((row) => row.cells[p]?.trim() === provider)
    .map((row) => ({
      gpuModel: row.cells[m]?.trim() ?? '',
      gpuCount: Number(row.cells[c]),
      memoryGb: parseFloat(row.cells[mem] ?? ''),
      priceText: row.cells[price] ?? '',
    }));
}

/** The mean of the numbers in a price cell ("$140-160" → 150); NaN when it has none. */
function meanPrice(text: string): number {
  const numbers = (text.match(/[0-9]+(?:\.[0-9]+)?/g) ?? []).map(Number);
  return numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : NaN;
}

/**
 * The seed's price lookup, quirks included: per (provider, GPU model string) the instance price
 * divided by its GPU count (later rows overwrite earlier ones but keep the first key's position),
 * then the first model string that merely contains `gpuType` (so A10 gets the A100's price).
 */
export function seedPrice(table: CsvTable, provider: string, gpuType: string): number | undefined {
  const prices = new Map<string, number>();
  for (const o of offers(table, provider)) {
    const price = meanPrice(o.priceText);
    if (Number.isFinite(price) && o.gpuCount > 0) prices.set(o.gpuModel, price / o.gpuCount);
  }
  for (const [model, price] of prices) if (model.includes(gpuType)) return price;
  return undefined;
}

/**
 * A real price per GPU-hour: offers whose GPU model is exactly `gpuType` (with or without the
 * "NVIDIA " prefix, ignoring case) and whose memory per GPU is `memoryGb`; a "per GPU" price as
 * listed, any other divided by the instance's GPU count; the cheapest such offer. Undefined when
 * no offer matches.
 */
export function listedPrice(
  table: CsvTable,
  provider: string,
  gpuType: string,
  memoryGb: number,
): number | undefined {
  const wanted = gpuType.trim().toUpperCase();
  let best: number | undefined;
  for (const o of offers(table, provider)) {
    const model = o.gpuModel.toUpperCase();
    if (model !== wanted && model !== `NVIDIA ${wanted}`) continue;
    if (o.memoryGb !== memoryGb) continue;
    const listed = meanPrice(o.priceText);
    const perGpu = /per GPU/i.test(o.priceText) ? listed : listed / o.gpuCount;
    if (Number.isFinite(perGpu) && perGpu > 0 && (best === undefined || perGpu < best))
      best = perGpu;
  }
  return best;
}
