import { describe, expect, test } from 'vitest';
import { englishRuns } from '../helpers/english';

describe('englishRuns (the Korean coverage test’s detector)', () => {
	test('finds an untranslated English sentence, and a two-word label', () => {
		expect(englishRuns('모델을 불러오는 중… Could not load the model: timed out')).toEqual(['Could not load the model timed out']);
		expect(englishRuns('Not now')).toEqual(['Not now']);
	});
	test('lets Korean with English glosses, names, identifiers and formulas through', () => {
		for (const ok of [
			'배치 정규화(BatchNorm)는 채널마다 y = γ·(x − μ)/√(σ² + ε) + β를 계산합니다.',
			'구조적 재매개변수화(structural reparameterization), 실제 가중치로',
			'아래의 A와 B는 블록 stage1.0의 실제 브랜치 두 개(rbr_conv.0과 rbr_conv.1)입니다.',
			'평가 모드의 torch.onnx.export도, ONNX Runtime도 그렇게 합니다. model.eval()',
			'conv(x, A) + conv(x, B)',
			'원 논문: Pavan Kumar Anasosalu Vasu, “MobileOne: An Improved One millisecond Mobile Backbone”, CVPR 2023',
			'입력 채널 7 mod (64/1) = 7',
			'English'
		]) {
			expect(englishRuns(ok), ok).toEqual([]);
		}
	});
	test('a single English word is not a sentence, but a gloss after English is no gloss', () => {
		expect(englishRuns('커널 kernel')).toEqual([]);
		expect(englishRuns('the kernel (convolution) is')).toEqual(['the kernel convolution is']);
	});
});
