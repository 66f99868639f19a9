/** Every step record the algebra returns, as one union on `kind`, for a UI to switch on. */
import type { AddBranchesStep } from './add-branches';
import type { AvgPoolStep } from './avg-pool';
import type { BatchNormFoldStep } from './bn-fold';
import type { DilationStep } from './dilation';
import type { IdentityKernelStep } from './identity-kernel';
import type { LinearBatchNormStep } from './linear-bn';
import type { PadKernelStep } from './pad-kernel';
import type { ScaleKernelStep } from './scale-kernel';
import type { SequentialStep } from './sequential';

export type ReparamStep =
	| BatchNormFoldStep
	| AddBranchesStep
	| PadKernelStep
	| IdentityKernelStep
	| ScaleKernelStep
	| SequentialStep
	| AvgPoolStep
	| DilationStep
	| LinearBatchNormStep;

export type ReparamStepKind = ReparamStep['kind'];
