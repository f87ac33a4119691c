// What makes a browser test fail besides its own assertions: a console error, an uncaught
// exception, a failed request or an HTTP error status on any page it drives.
import type { Page } from 'playwright-core';

/** Records `page`'s problems into `problems`, each prefixed with `who` when given. */
export function watchPageProblems(page: Page, problems: string[], who?: string): Page {
  const say = (text: string) => problems.push(who ? `${who} ${text}` : text);
  page.on('console', (message) => {
    if (message.type() === 'error') say(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => say(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => {
    // The browser cancelling a request because the page moved on (a navigation started while an
    // action's response was still streaming) is not a failure; every other network error is.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    say(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) say(`HTTP ${response.status()}: ${response.url()}`);
  });
  return page;
}
