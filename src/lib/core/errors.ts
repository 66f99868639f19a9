/**
 * Typed errors for everything a visitor or a CLI user can hand us. Each carries a `code` a test or
 * a UI can switch on, and a message that names the problem in one line.
 */
export type WeightsErrorCode =
	| 'truncated'
	| 'header-too-large'
	| 'header-not-json'
	| 'bad-entry'
	| 'unknown-dtype'
	| 'bad-offsets'
	| 'overlapping-offsets'
	| 'shape-mismatch'
	| 'trailing-bytes'
	| 'bad-metadata'
	| 'missing-key'
	| 'unexpected-shape'
	| 'not-mobileone'
	| 'bad-spec'
	| 'duplicate-key'
	| 'non-finite'
	| 'negative-variance'
	| 'spec-mismatch'
	| 'bad-onnx'
	| 'onnx-external-data'
	| 'onnx-opset'
	| 'bad-zip'
	| 'bad-pickle'
	| 'forbidden-global'
	| 'legacy-pytorch-format'
	| 'big-endian'
	| 'no-state-dict'
	| 'too-large';

export class WeightsError extends Error {
	readonly code: WeightsErrorCode;
	constructor(code: WeightsErrorCode, message: string) {
		super(message);
		this.name = 'WeightsError';
		this.code = code;
	}
}
