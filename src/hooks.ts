import type { Reroute } from '@sveltejs/kit';
import { deLocalizeUrl } from '$lib/paraglide/runtime';

// /ko/learn renders the route of /learn: the locale lives in the URL, not in the route tree.
export const reroute: Reroute = ({ url }) => deLocalizeUrl(url).pathname;
