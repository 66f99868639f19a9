/**
 * The activations of the activation-cost analysis, each written as the ONNX nodes PyTorch's
 * `torch.onnx.export` (opset 17) writes for it, so ONNX Runtime sees what a deployed model gives it:
 * GELU as x·½·(1 + erf(x/√2)) (ORT fuses that pattern into one Gelu), SiLU as x·sigmoid(x), Mish
 * as x·tanh(softplus(x)); ReLU, LeakyReLU, PReLU, ELU and HardSwish are single ops.
 * SE-ReLU (squeeze-excite, then ReLU) is built by the network, since it needs weights and a pool.
 */
import type { ZooGraph } from './layers';

export const ACTIVATION_IDS = ['relu', 'leaky-relu', 'prelu', 'elu', 'gelu', 'silu', 'hardswish', 'mish'] as const;
export type ActivationId = (typeof ACTIVATION_IDS)[number];

export interface ActivationDef {
	id: ActivationId;
	label: string;
	build(g: ZooGraph, path: string, x: string): string;
}

const single =
	(opType: string, attributes: Parameters<ZooGraph['elementwise']>[3] = []) =>
	(g: ZooGraph, path: string, x: string) =>
		g.elementwise(opType, path, [x], attributes);

const DEFS: readonly ActivationDef[] = [
	{ id: 'relu', label: 'ReLU', build: single('Relu') },
	{ id: 'leaky-relu', label: 'LeakyReLU', build: single('LeakyRelu', [{ name: 'alpha', type: 'float', value: 0.01 }]) },
	{
		id: 'prelu',
		label: 'PReLU',
		build: (g, path, x) => {
			const c = g.shape(x).c;
			const slope = g.tensor(`${path.replace(/\//g, '.')}.weight`, [c, 1, 1], new Float32Array(c).fill(0.25));
			return g.elementwise('PRelu', path, [x, slope]);
		}
	},
	{ id: 'elu', label: 'ELU', build: single('Elu', [{ name: 'alpha', type: 'float', value: 1 }]) },
	{
		id: 'gelu',
		label: 'GELU',
		build: (g, path, x) => {
			const key = path.replace(/\//g, '.');
			const scaled = g.elementwise('Div', `${path}/div`, [x, g.scalar(`${key}.sqrt2`, Math.SQRT2)]);
			const erf = g.elementwise('Erf', `${path}/erf`, [scaled]);
			const plus = g.elementwise('Add', `${path}/add`, [erf, g.scalar(`${key}.one`, 1)]);
			const times = g.elementwise('Mul', `${path}/mul`, [x, plus]);
			return g.elementwise('Mul', `${path}/half`, [times, g.scalar(`${key}.half`, 0.5)]);
		}
	},
	{
		id: 'silu',
		label: 'SiLU (Swish)',
		build: (g, path, x) => g.elementwise('Mul', `${path}/mul`, [x, g.elementwise('Sigmoid', `${path}/sigmoid`, [x])])
	},
	{ id: 'hardswish', label: 'HardSwish', build: single('HardSwish') },
	{
		id: 'mish',
		label: 'Mish',
		build: (g, path, x) => {
			const sp = g.elementwise('Softplus', `${path}/softplus`, [x]);
			return g.elementwise('Mul', `${path}/mul`, [x, g.elementwise('Tanh', `${path}/tanh`, [sp])]);
		}
	}
];

export function activation(id: ActivationId): ActivationDef {
	const d = DEFS.find((a) => a.id === id);
	if (!d) throw new RangeError(`unknown activation "${id}"`);
	return d;
}
