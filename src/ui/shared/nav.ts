/** The site's sections, in header order. Used by the header, the landing page and the e2e test. */
export interface Section {
	href: string;
	label: string;
	/** Label for the header on narrow screens. */
	short: string;
	/** One line for cards. */
	blurb: string;
	/** false: a landing-page card only, not in the header (which must fit a 375 px phone). */
	headerNav?: false;
}

export const SECTIONS: readonly Section[] = [
	{
		href: '/learn',
		label: 'Learn',
		short: 'Learn',
		blurb: 'A guided lesson from zero in nine short chapters, each with a figure on real weights and a question on your own numbers.'
	},
	{
		href: '/explorer',
		label: 'Fusion explorer',
		short: 'Explorer',
		blurb:
			'Step through one block: fold each BatchNorm into its conv, pad the 1×1, turn the skip into a kernel, and add them up.'
	},
	{
		href: '/latency',
		label: 'Latency lab',
		short: 'Latency',
		blurb:
			'Time the branchy train-time graph against the fused one in your own browser, with warm-up, medians and spread.'
	},
	{
		href: '/analyses',
		label: 'Analyses',
		short: 'Analyses',
		// A sixth header link does not fit a 375 px phone (checked in screenshots); the landing card and the latency lab link here.
		headerNav: false,
		blurb:
			'The paper’s argument on your device: do FLOPs or parameters predict latency, and what each activation and each extra branch costs.'
	},
	{
		href: '/classify',
		label: 'Classify',
		short: 'Classify',
		blurb:
			'Show our small CIFAR-10 MobileOne an image of your own and see its ten class scores. The image stays on your device.'
	},
	{
		href: '/yours',
		label: 'Your network',
		short: 'Yours',
		blurb: 'Drop your own MobileOne checkpoint or ONNX file: fused and checked in your browser, then yours to download. Nothing is uploaded.'
	},
	{
		href: '/family',
		label: 'The family',
		short: 'Family',
		headerNav: false,
		blurb: 'RepVGG, ACNet, DBB, RepViT, FastViT, PP-LCNetV3: the same trick in each, their branches, the transforms they need, and their sizes train → deploy.'
	},
	{
		href: '/model',
		label: 'Model',
		short: 'Model',
		blurb: 'The model card: the small MobileOne we trained on CIFAR-10, how it was trained, how it scores, and its limits.'
	}
];

/** The sections linked from the header. */
export const HEADER_SECTIONS: readonly Section[] = SECTIONS.filter((s) => s.headerNav !== false);
