/**
 * The pages an e2e test opened, checked after the test while they are still open (so closing one
 * cannot add an aborted request), then closed: no console errors, no failed requests, no request
 * leaving the test server's origin.
 */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { PageWatch } from '../../scripts/lib/browser-harness';

export interface OpenedPage {
	path: string;
	page: Page;
	watch: PageWatch;
}

export async function checkAndClosePages(pages: OpenedPage[]): Promise<void> {
	try {
		for (const { path, watch } of pages) {
			expect(watch.consoleErrors, `console errors on ${path}`).toEqual([]);
			expect(watch.failedRequests, `failed requests on ${path}`).toEqual([]);
			expect(watch.outsideRequests, `requests from ${path} to other origins`).toEqual([]);
		}
	} finally {
		for (const { page } of pages) await page.close();
	}
}
