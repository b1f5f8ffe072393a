import type { RunStore } from '../../evolve/database/store.js';
import { markup, type Html } from '../html.js';
import { addressOf, paged, tablePage, type PageNumbers } from '../paging.js';

/**
 * A run's events, oldest first, under their heading: the page of them that `pages` names, on
 * the run's page at `path`; null when there is no such page.
 */
export function eventsSection(
  store: RunStore,
  runId: number,
  path: string,
  pages: PageNumbers,
): Html | null {
  const page = tablePage(pages.events ?? 1, store.eventCount(runId));
  if (!page) return null;
  const events = store.eventSlice(runId, page).map(
    (e) =>
      markup`<tr>
        <td class="muted">${e.at}</td>
        <td>${e.kind}</td>
        <td class="text">${e.message}</td>
      </tr>`,
  );
  const table = markup`<table>
    ${events}
  </table>`;
  return markup`<h2>Events</h2>
    ${
      events.length
        ? paged('events', page, (events) => addressOf(path, { ...pages, events }), table)
        : markup`<p class="muted">none</p>`
    }`;
}
