import type { RunStore } from '../../evolve/database/store.js';
import { markup, type Html } from '../html.js';

/** A run's events, oldest first, under their heading. */
export function eventsSection(store: RunStore, runId: number): Html {
  const events = store.events(runId).map(
    (e) =>
      markup`<tr>
        <td class="muted">${e.at}</td>
        <td>${e.kind}</td>
        <td class="text">${e.message}</td>
      </tr>`,
  );
  return markup`<h2>Events</h2>
    ${
      events.length
        ? markup`<table>
            ${events}
          </table>`
        : markup`<p class="muted">none</p>`
    }`;
}
