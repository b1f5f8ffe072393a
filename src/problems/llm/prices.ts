import { UserError } from '../../core/errors.js';
import { readCsvFile, type CsvTable } from '../../core/io.js';
import { didYouMean } from '../../core/near-miss.js';

/** One offer of `cloud_instances_specs.csv` at one provider. */
interface Offer {
  gpuModel: string;
  gpuCount: number;
  /** GPU memory in GB from "80 GB HBM2e"; NaN when the cell has no number. */
  memoryGb: number;
  /** The price cell: "$98.32", "$140-160 (estimated)", "$2.21 per GPU (plus CPU/RAM)". */
  priceText: string;
}

/** The columns of `cloud_instances_specs.csv` the price lookups read. */
const PRICE_LIST_COLUMNS = [
  'Cloud Provider',
  'GPU Model',
  'GPU Count',
  'GPU Memory per GPU',
  'Price per Hour USD',
] as const;

/** The highest price (USD per hour) a price cell or a pool's `dollar_per_hour` may state. */
export const MAX_USD_PER_HOUR = 1_000_000;

/** An amount: digits with an optional decimal part; thousands may be grouped by commas. */
const AMOUNT = String.raw`(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)`;
/**
 * A price cell of the seed's list: an optional "~", an optional "$", an amount or a range of two
 * ("$140-160", "$5.50-6.50"), an optional "+", then optional words without digits ("per GPU",
 * "(estimated)").
 */
const PRICE_CELL = new RegExp(
  String.raw`^~?\$?${AMOUNT}(?:\s*-\s*\$?${AMOUNT})?\+?(?:\s*([A-Za-z(][^0-9]*))?$`,
);

/**
 * A price cell's USD amount (a range's midpoint, as the seed takes it); null when the cell
 * lists no price (it holds no digit: empty, "Contact for pricing", "N/A"); a string saying what
 * is wrong when it is not a price ("$-40.96", "$1e308", "$160-140", "12 or 14").
 */
export function parsePriceCell(text: string): number | null | string {
  const t = text.trim();
  if (!/[0-9]/.test(t)) return null;
  const m = PRICE_CELL.exec(t);
  const amount = (s: string | undefined): number => Number(s?.replaceAll(',', ''));
  if (!m)
    return `"${text}" is not a price; expected a non-negative amount such as "$98.32", "$140-160 (estimated)" or "$2.21 per GPU", or no digit at all for no price`;
  const low = amount(m[1]);
  const high = m[2] === undefined ? low : amount(m[2]);
  if (high < low) return `the range "${text}" runs backwards; write the lower price first`;
  const price = (low + high) / 2;
  if (!Number.isFinite(price) || price > MAX_USD_PER_HOUR)
    return `"${text}" is above the ${MAX_USD_PER_HOUR} USD per hour a price may be`;
  return price;
}

/**
 * Check a price list: the columns the lookups read, and every price cell a price or no price at
 * all (see `parsePriceCell`); a UserError names the file, line and column otherwise.
 */
export function checkPriceList(table: CsvTable, path: string): CsvTable {
  for (const name of PRICE_LIST_COLUMNS) {
    if (!table.header.includes(name))
      throw new UserError(
        `missing column "${name}"; a price list needs ${PRICE_LIST_COLUMNS.map((c) => `"${c}"`).join(', ')}`,
        path,
        'line 1',
      );
  }
  const column = table.header.indexOf('Price per Hour USD');
  for (const row of table.rows) {
    const parsed = parsePriceCell(row.cells[column]!);
    if (typeof parsed === 'string')
      throw new UserError(
        parsed,
        path,
        `line ${row.line}, column ${column + 1} (Price per Hour USD)`,
      );
  }
  return table;
}

/** Read and check a `cloud_instances_specs.csv` (see `checkPriceList`). */
export function readPriceList(path: string): CsvTable {
  return checkPriceList(readCsvFile(path), path);
}

/** The `Cloud Provider` cells of a price list, each once, in the order of their first rows. */
export function listedProviders(table: CsvTable): string[] {
  const column = table.header.indexOf('Cloud Provider');
  return [...new Set(table.rows.map((row) => row.cells[column]?.trim() ?? ''))].filter(
    (provider) => provider !== '',
  );
}

/**
 * Why the price list at `path` has no offers of `provider`, or null when it has some. Providers
 * match exactly, case included, as the seed selects them (`provider == cloud_provider`): "aws"
 * is no provider of the seed's list, and is refused with "did you mean "AWS"?" rather than read
 * as AWS, so that what evoplace prices is what the seed would.
 */
export function unknownProvider(table: CsvTable, path: string, provider: string): string | null {
  const providers = listedProviders(table);
  if (providers.includes(provider)) return null;
  if (providers.length === 0) return `unknown provider "${provider}"; ${path} lists no offers`;
  return `unknown provider "${provider}"; ${path} has ${providers.join(', ')}${didYouMean(provider, providers)}`;
}

function offers(table: CsvTable, provider: string): Offer[] {
  const col = (name: string): number => table.header.indexOf(name);
  const [p, m, c, mem, price] = PRICE_LIST_COLUMNS.map(col) as [
    number,
    number,
    number,
    number,
    number,
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

/** A price cell's amount ("$140-160" → 150); NaN when it lists none or is not a price. */
function cellPrice(text: string): number {
  const parsed = parsePriceCell(text);
  return typeof parsed === 'number' ? parsed : NaN;
}

/**
 * The seed's price lookup, quirks included: per (provider, GPU model string) the instance price
 * divided by its GPU count (later rows overwrite earlier ones but keep the first key's position),
 * then the first model string that merely contains `gpuType` (so A10 gets the A100's price).
 * Gives that model string with its price, for messages that say which offer priced a type.
 */
export function seedOffer(
  table: CsvTable,
  provider: string,
  gpuType: string,
): { gpuModel: string; usdPerHour: number } | undefined {
  const prices = new Map<string, number>();
  for (const o of offers(table, provider)) {
    const price = cellPrice(o.priceText);
    if (Number.isFinite(price) && o.gpuCount > 0) prices.set(o.gpuModel, price / o.gpuCount);
  }
  for (const [gpuModel, usdPerHour] of prices)
    if (gpuModel.includes(gpuType)) return { gpuModel, usdPerHour };
  return undefined;
}

/** The seed's price of one `gpuType` GPU at `provider` (see `seedOffer`). */
export function seedPrice(table: CsvTable, provider: string, gpuType: string): number | undefined {
  return seedOffer(table, provider, gpuType)?.usdPerHour;
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
    const listed = cellPrice(o.priceText);
    const perGpu = /per GPU/i.test(o.priceText) ? listed : listed / o.gpuCount;
    if (Number.isFinite(perGpu) && perGpu > 0 && (best === undefined || perGpu < best))
      best = perGpu;
  }
  return best;
}
