import type { Slice } from '../evolve/database/store.js';
import { markup, type Html } from './html.js';

/**
 * Rows a table shows on one page: a run of 300 000 programs would otherwise be a page of
 * tens of MB that a browser chokes on, rebuilt at every reload of a running run.
 */
export const PAGE_SIZE = 500;

/**
 * The query parameters that page a page's tables: `page` its main table (programs,
 * candidates), `events` its events; each table pages on its own.
 */
export const TABLES = ['page', 'events'] as const;
export type Table = (typeof TABLES)[number];

/** The page each table is on, as the query names it; a table it does not name is on page 1. */
export type PageNumbers = Partial<Record<Table, number>>;

/**
 * The page of each table that a query (the address after `?`) names, or null when it names
 * anything but `tables`, one of them twice, or a page not written as the dashboard writes it
 * (1, 2, …: no sign, no leading zero, no escape), as a path is matched exactly.
 */
export function pageNumbers(query: string, tables: readonly Table[]): PageNumbers | null {
  const pages: PageNumbers = {};
  for (const part of query ? query.split('&') : []) {
    const [, name, number] = /^([a-z]+)=([1-9]\d{0,11})$/.exec(part) ?? [];
    const table = tables.find((t) => t === name);
    if (!table || pages[table] !== undefined) return null;
    pages[table] = Number(number);
  }
  return pages;
}

/** The address of `path` with its tables on `pages` (a table on page 1 left out: one address a page). */
export function addressOf(path: string, pages: PageNumbers): string {
  const query = TABLES.filter((t) => (pages[t] ?? 1) > 1)
    .map((t) => `${t}=${pages[t]}`)
    .join('&');
  return query ? `${path}?${query}` : path;
}

/** One page of a table: the rows it shows (a slice of them), its number and the last one's. */
export interface TablePage extends Slice {
  number: number;
  last: number;
  total: number;
}

/**
 * Page `number` of a table of `total` rows, or null when there is no such page. Page 1 always
 * exists, empty or not.
 */
export function tablePage(number: number, total: number): TablePage | null {
  const last = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (number > last) return null;
  return { number, last, total, offset: (number - 1) * PAGE_SIZE, limit: PAGE_SIZE };
}

/** A count with its thousands apart (300 000), kept on one line. */
const count = (n: number): string => String(n).replace(/\B(?=(\d{3})+$)/g, '\u202f');

/**
 * Which rows a page shows, of how many, and links to the first, previous, next and last pages
 * (`address` of a page number); nothing for a table that fits on one page.
 */
function pager(noun: string, page: TablePage, address: (number: number) => string): Html | null {
  if (page.last === 1) return null;
  const to = (label: string, number: number): Html =>
    number === page.number || number < 1 || number > page.last
      ? markup`<span class="muted">${label}</span>`
      : markup`<a href="${address(number)}">${label}</a>`;
  const shown = `${count(page.offset + 1)}–${count(Math.min(page.offset + page.limit, page.total))}`;
  return markup`<p>
    ${noun} ${shown} of ${count(page.total)} · ${to('first', 1)} · ${to('previous', page.number - 1)}
    · ${to('next', page.number + 1)} · ${to('last', page.last)}
  </p>`;
}

/** `table`, a page of `noun` rows, with the pager above and below it. */
export function paged(
  noun: string,
  page: TablePage,
  address: (number: number) => string,
  table: Html,
): Html {
  const bar = pager(noun, page, address);
  return markup`${bar} ${table} ${bar}`;
}
