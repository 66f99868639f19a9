/**
 * Family mode on the visitor's kept network: a link from the /yours table opens that block, the
 * steps are the engine's fuse of its own weights, and the proof is the /yours check of that block,
 * the same input and the same max |Δ|. Bad links fall back; a file with no family block says so.
 */
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/lib/core/errors';
import { readFamilyBlocks } from '../../src/lib/families/read-blocks';
import { blockStateDict, checkFoundBlocks, BLOCK_CHECK_SIDE } from '../../src/lib/families/fuse-blocks';
import { familyStepView } from '../../src/lib/families/explain';
import { writeSafetensors } from '../../src/lib/io/safetensors';
import type { ExplorerLoaders } from '../../src/ui/explorer/loader';
import { NoOwnNetwork } from '../../src/ui/explorer/loader';
import { ExplorerState } from '../../src/ui/explorer/state.svelte';
import { DEFAULT_QUERY, ownBlockHref, parse } from '../../src/ui/explorer/url';
import { PROOF_SEED } from '../../src/lib/fuse-file';
import { BLOCKS, stateDict } from '../fixtures/family-blocks';

const bytes = writeSafetensors(stateDict());

function loaders(kept: Uint8Array | null): ExplorerLoaders {
	return {
		loadModel: () => Promise.reject(new Error('not asked for')),
		loadInput: (_id, size) => Promise.resolve({ rgba: new Uint8ClampedArray(size * size * 4).fill(90), size, name: 'grey' }),
		hasMine: () => false,
		ownNetworkName: () => Promise.resolve(kept ? 'mine.safetensors' : null),
		loadOwnBlocks: () => (kept ? Promise.resolve({ name: 'mine.safetensors', file: readFamilyBlocks(kept) }) : Promise.reject(new NoOwnNetwork()))
	};
}

const query = (href: string) => parse(new URL(href, 'http://x').search);

describe('explorer family mode on a kept network', () => {
	it('the /yours link opens that block: steps from its own weights, proof = the /yours check', async () => {
		const file = readFamilyBlocks(bytes);
		const checks = checkFoundBlocks(file.tensors, file.blocks, PROOF_SEED, BLOCK_CHECK_SIDE);
		const i = file.blocks.findIndex((b) => b.prefix === 'layer1.0.conv2.');
		expect(i).toBeGreaterThanOrEqual(0);
		const href = ownBlockHref('dbb', checks[i].block);
		expect(href).toMatch(/^\/explorer\?family=dbb&fstep=1&fblock=layer1\.0\.conv2&model=yours&/);
		const s = new ExplorerState(loaders(bytes));
		await s.start(query(href));
		expect(s.familyMode).toBe(true);
		expect(s.fam.ownPath).toBe('layer1.0.conv2');
		expect(s.fam.family.id).toBe('dbb');
		expect(s.fam.geometry.groups).toBe(2);
		// the steps: the engine's fuse of the file's own tensors for this block
		const b = file.blocks[i];
		const fusion = b.family.fuse(b.geometry, blockStateDict(file.tensors, b));
		s.fam.setChannel(3);
		expect(s.fam.steps.length).toBe(fusion.steps.length);
		expect(Array.from(s.fam.view!.output!.slice.values)).toEqual(Array.from(familyStepView(fusion.steps[0], 3).output!.slice.values));
		// the proof: the same input as the /yours check, so the same numbers to the last bit
		s.fam.setStep(s.fam.count);
		expect(s.fam.proof!.maxDelta).toBe(checks[i].maxDelta);
		expect(s.fam.proof!.maxOutput).toBe(checks[i].maxOutput);
		expect(s.fam.proof!.agrees).toBe(true);
		expect(s.query).toContain('fblock=layer1.0.conv2');
		expect(s.query).toContain(`fstep=${s.fam.count}`);
		expect(s.query).toContain('model=yours');
	});

	it('picks any found block, MobileOne ones too; switching family picks that family’s block, or synthetic', async () => {
		const s = new ExplorerState(loaders(bytes));
		await s.start(parse('family=repcpe&model=yours'));
		expect(s.fam.ownPath).toBe('stages.0.cpe');
		// the file's order: safetensors keeps tensors sorted by name
		const mobileone = s.fam.own!.file.blocks.findIndex((b) => b.family.id === 'mobileone');
		expect(s.fam.own!.file.blocks.map((b) => b.prefix).sort()).toEqual(BLOCKS.map((b) => b.prefix).sort());
		s.fam.selectOwn(mobileone);
		expect(s.fam.family.id).toBe('mobileone');
		expect(parse(s.query!)).toMatchObject({ family: null, ownBlock: 'features.4', model: 'yours' });
		s.fam.select('acnet');
		expect(s.fam.ownPath).toBe('layer1.1.conv1');
		s.fam.select('repvgg');
		expect(s.fam.ownPath).toBe('backbone.stage1.0');
		s.useSyntheticBlock();
		expect(s.fam.own).toBeNull();
		expect(s.fam.geometry).toEqual({ cin: 3, cout: 3, kernel: 3, stride: 1, groups: 1 });
		expect(s.query).toBe('family=repvgg&fstep=1&ch=0&input=cat-chelsea');
	});

	it('an unknown block path opens the first block; no kept network, or one without family blocks, is said', async () => {
		const s = new ExplorerState(loaders(bytes));
		await s.start(parse('fblock=no.such.block&model=yours'));
		expect(s.fam.ownIndex).toBe(0);
		expect(s.fam.ownPath).toBe(s.fam.own!.file.blocks[0].prefix.slice(0, -1));
		expect(parse('fblock=a%20b').ownBlock).toBeNull();
		expect(parse(`fblock=${'a'.repeat(201)}`).ownBlock).toBeNull();
		expect(parse('fblock=').ownBlock).toBe('');

		const none = new ExplorerState(loaders(null));
		await none.start(parse('family=dbb&model=yours'));
		expect(none.ownBlocksStatus).toEqual({ kind: 'missing' });
		expect(none.fam.own).toBeNull();
		expect(none.fam.family.id).toBe('dbb');

		const plain = writeSafetensors(new Map([['fc.weight', { shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }]]));
		expect(() => readFamilyBlocks(plain)).toThrow(WeightsError);
		const other = new ExplorerState(loaders(plain));
		await other.start({ ...DEFAULT_QUERY, family: 'dbb', model: 'yours' });
		expect(other.ownBlocksStatus).toMatchObject({ kind: 'failed' });
		expect((other.ownBlocksStatus as { message: string }).message).toMatch(/holds no block of RepVGG/);
	});
});
