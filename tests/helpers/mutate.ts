/** Seeded byte-level mutations for fuzz tests of file readers. */

export type Random = () => number;
export const randomInt = (random: Random, below: number) => Math.floor(random() * below);

const LARGE = [0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x80000000, 2 ** 24, 1000];

/** One to three mutations: flipped bits, a truncation, an inflated length, a deleted or inserted run. */
export function mutate(random: Random, input: Uint8Array): Uint8Array {
	let bytes = input.slice();
	for (let m = 1 + randomInt(random, 3); m > 0 && bytes.length > 0; m--) {
		const at = randomInt(random, bytes.length);
		switch (randomInt(random, 5)) {
			case 0:
				bytes[at] ^= 1 << randomInt(random, 8);
				break;
			case 1:
				bytes = bytes.slice(0, at);
				break;
			case 2: {
				const v = LARGE[randomInt(random, LARGE.length)];
				const width = random() < 0.5 ? 2 : 4;
				for (let i = 0; i < width && at + i < bytes.length; i++) bytes[at + i] = (v >>> (8 * i)) & 0xff;
				break;
			}
			case 3: {
				const n = 1 + randomInt(random, 8);
				bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + n)]);
				break;
			}
			default: {
				const run = Array.from({ length: 1 + randomInt(random, 8) }, () => randomInt(random, 256));
				bytes = Uint8Array.from([...bytes.subarray(0, at), ...run, ...bytes.subarray(at)]);
			}
		}
	}
	return bytes;
}
