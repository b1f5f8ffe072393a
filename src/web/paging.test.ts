import { describe, expect, it } from 'vitest';
import { addressOf, PAGE_SIZE, pageNumbers, paged, tablePage, TABLES } from './paging.js';
import { markup } from './html.js';

describe('web paging', () => {
  it('reads a page number only as the dashboard writes it, and only for tables the page has', () => {
    expect(pageNumbers('', TABLES)).toEqual({});
    expect(pageNumbers('page=3&events=12', TABLES)).toEqual({ page: 3, events: 12 });
    for (const query of [
      'page=0',
      'page=01',
      'page=x',
      'page=-1',
      'page=%2B1',
      'page=+1',
      'page=1.0',
      'page=',
      'page',
      'page=1&page=2',
      'page=1&',
      'sort=id',
      'Page=1',
      'page=1234567890123',
    ])
      expect(pageNumbers(query, TABLES), query).toBeNull();
    expect(pageNumbers('page=1', [])).toBeNull();
  });

  it('has page 1 always, and no page past the last', () => {
    expect(tablePage(1, 0)).toMatchObject({ last: 1, offset: 0 });
    expect(tablePage(2, PAGE_SIZE)).toBeNull();
    expect(tablePage(2, PAGE_SIZE + 1)).toMatchObject({ last: 2, offset: PAGE_SIZE });
  });

  it('links each page at one address, keeping the other tables on their pages', () => {
    expect(addressOf('/db/0/runs/1', { page: 1, events: 1 })).toBe('/db/0/runs/1');
    expect(addressOf('/db/0/runs/1', { events: 2, page: 3 })).toBe('/db/0/runs/1?page=3&events=2');
    const table = markup`<table></table>`;
    const address = (n: number): string => `/x?page=${n}`;
    expect(paged('rows', tablePage(1, PAGE_SIZE)!, address, table)).toEqual(markup` ${table} `);
    const last = paged('rows', tablePage(3, 2 * PAGE_SIZE + 7)!, address, table).html;
    expect(last).toContain(`rows 1\u202f001–1\u202f007 of 1\u202f007`);
    expect(last).toContain('<a href="/x?page=1">first</a> · <a href="/x?page=2">previous</a>');
    expect(last).toContain('<span class="muted">next</span> · <span class="muted">last</span>');
  });
});
