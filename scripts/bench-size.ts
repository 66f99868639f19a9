/**
 * npm run bench:size — what the static build ships (build first: `npm run build`).
 *
 * Per route, the JS and CSS a first visit loads: the modulepreload and stylesheet links SvelteKit
 * writes into the prerendered HTML, which are the entry plus the route's nodes and their static
 * import graph. Lazy imports (onnxruntime-web, the latency worker) are not counted there. Sizes
 * are raw and gzip (level 9, decimal kB). Then the whole build's size by kind, and every wasm and
 * weights file by content hash, flagging a file that ships more than once.
 * A measurement, not a test: it exits 0 whether or not the targets are met.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, posix, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatBytes } from '../src/lib/format';

const BUILD = resolve(process.env.BUILD ?? 'build');
/** The explorer's first-load JS budget, gzip. */
const EXPLORER_JS_TARGET = 150_000;

if (!(await stat(BUILD).catch(() => null))?.isDirectory()) {
	console.error(`bench:size: ${BUILD} is not a directory; run \`npm run build\` first`);
	process.exit(1);
}

async function walk(dir: string): Promise<string[]> {
	const out: string[] = [];
	for (const e of await readdir(dir, { withFileTypes: true })) {
		const p = join(dir, e.name);
		if (e.isDirectory()) out.push(...(await walk(p)));
		else if (e.isFile()) out.push(p);
	}
	return out;
}

interface Sized {
	raw: number;
	gzip: number;
}
const sizes = new Map<string, Sized>();
async function sizeOf(file: string): Promise<Sized> {
	let s = sizes.get(file);
	if (!s) {
		const bytes = await readFile(file);
		s = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
		sizes.set(file, s);
	}
	return s;
}
async function total(files: Iterable<string>): Promise<Sized> {
	const t = { raw: 0, gzip: 0 };
	for (const f of files) {
		const s = await sizeOf(f);
		t.raw += s.raw;
		t.gzip += s.gzip;
	}
	return t;
}

/** `build/explorer.html` → `/explorer`, `build/index.html` → `/`, `build/a/index.html` → `/a/`. */
function routeOf(html: string): string {
	const rel = relative(BUILD, html).split('\\').join('/');
	if (rel === 'index.html') return '/';
	if (rel.endsWith('/index.html')) return `/${rel.slice(0, -'index.html'.length)}`;
	return `/${rel.slice(0, -'.html'.length)}`;
}

/** The files a `<link rel=... href=...>` of this kind points at, resolved against the page. */
function linked(html: string, page: string, rel: 'modulepreload' | 'stylesheet'): string[] {
	const out: string[] = [];
	for (const tag of html.match(/<link\b[^>]*>/g) ?? []) {
		if (!new RegExp(`\\brel="${rel}"`).test(tag)) continue;
		const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
		if (!href || /^[a-z]+:/i.test(href)) continue;
		const path = href.startsWith('/') ? join(BUILD, href) : join(dirname(page), href);
		out.push(resolve(path.split(/[?#]/)[0]));
	}
	return out;
}

const files = await walk(BUILD);
const pages = files.filter((f) => f.endsWith('.html')).sort((a, b) => routeOf(a).localeCompare(routeOf(b)));

function table(rows: string[][], right = (j: number) => j > 0): void {
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
	for (const [i, r] of rows.entries()) {
		console.log(r.map((c, j) => (right(j) ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd());
		if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  ').trimEnd());
	}
}

console.log(`First load per route (${relative(process.cwd(), BUILD) || '.'}/; gzip -9; 1 kB = 1000 B)\n`);
const routeRows: string[][] = [['route', 'JS files', 'JS raw', 'JS gzip', 'CSS raw', 'CSS gzip', 'target']];
for (const page of pages) {
	const route = routeOf(page);
	const html = await readFile(page, 'utf8');
	const js = new Set(linked(html, page, 'modulepreload'));
	const css = new Set(linked(html, page, 'stylesheet'));
	for (const f of [...js, ...css]) {
		if (!(await stat(f).catch(() => null))?.isFile()) throw new Error(`${route} links ${relative(BUILD, f)}, which is not in the build`);
	}
	const j = await total(js);
	const c = await total(css);
	const target =
		route === '/explorer' ? `≤ ${formatBytes(EXPLORER_JS_TARGET)} gzip JS: ${j.gzip <= EXPLORER_JS_TARGET ? 'met' : 'missed'}` : '';
	routeRows.push([route, String(js.size), formatBytes(j.raw), formatBytes(j.gzip), formatBytes(c.raw), formatBytes(c.gzip), target]);
}
table(routeRows, (j) => j > 0 && j < 6);

const KINDS: [string, (f: string) => boolean][] = [
	['WebAssembly (.wasm)', (f) => f.endsWith('.wasm')],
	['weights (.safetensors)', (f) => f.endsWith('.safetensors')],
	['JavaScript (.js, .mjs)', (f) => /\.m?js$/.test(f)],
	['CSS', (f) => f.endsWith('.css')],
	['fonts', (f) => /\.(woff2?|ttf|otf)$/.test(f)],
	['images', (f) => /\.(png|jpe?g|webp|gif|svg|ico)$/.test(f)],
	['HTML', (f) => f.endsWith('.html')]
];
const byKind = new Map<string, { n: number; raw: number }>();
let buildRaw = 0;
const fileSize = new Map<string, number>();
for (const f of files) {
	const raw = (await stat(f)).size;
	fileSize.set(f, raw);
	buildRaw += raw;
	const kind = KINDS.find(([, test]) => test(f))?.[0] ?? 'other';
	const k = byKind.get(kind) ?? { n: 0, raw: 0 };
	k.n += 1;
	k.raw += raw;
	byKind.set(kind, k);
}
console.log(`\nWhole build: ${formatBytes(buildRaw)} in ${files.length} files\n`);
table([['kind', 'files', 'size'], ...[...byKind].sort((a, b) => b[1].raw - a[1].raw).map(([k, v]) => [k, String(v.n), formatBytes(v.raw)])]);

// Copies by content, not by name: a bundler gives the same bytes a different name per output.
const byHash = new Map<string, string[]>();
for (const f of files) {
	if (!/\.(wasm|safetensors)$/.test(f) && fileSize.get(f)! < 10_000) continue;
	const hash = createHash('sha256').update(await readFile(f)).digest('hex').slice(0, 12);
	byHash.set(hash, [...(byHash.get(hash) ?? []), f]);
}
const rel = (f: string) => posix.join(...relative(BUILD, f).split(/[\\/]/));
const shipped = [...byHash].filter(([, fs]) => /\.(wasm|safetensors)$/.test(fs[0]));
const dupes = [...byHash].filter(([, fs]) => fs.length > 1);
console.log('\nWebAssembly and weights, by content (sha256)\n');
table(
	[
		['file', 'sha256', 'size', 'copies', ''],
		...shipped
			.sort((a, b) => extname(a[1][0]).localeCompare(extname(b[1][0])) || rel(a[1][0]).localeCompare(rel(b[1][0])))
			.map(([hash, fs]) => [rel(fs[0]), hash, formatBytes(fileSize.get(fs[0]) ?? 0), String(fs.length), fs.length > 1 ? 'DUPLICATE' : ''])
	],
	(j) => j === 2 || j === 3
);
if (dupes.length) {
	console.log('\nFiles of 10 kB or more that ship more than once:');
	for (const [hash, fs] of dupes) {
		const each = fileSize.get(fs[0])!;
		console.log(`  ${hash}  ${formatBytes(each)} × ${fs.length} (${formatBytes(each * (fs.length - 1))} extra): ${fs.map(rel).join(', ')}`);
	}
} else {
	console.log('\nNo file of 10 kB or more ships twice.');
}
