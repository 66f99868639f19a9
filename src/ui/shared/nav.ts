/** The site's sections, in header order. Used by the header, the landing page and the e2e test. */
export interface Section {
	href: string;
	label: string;
	/** Label for the header on narrow screens. */
	short: string;
	/** One line for cards. */
	blurb: string;
}

export const SECTIONS: readonly Section[] = [
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
		href: '/model',
		label: 'Model',
		short: 'Model',
		blurb: 'The model card: the small MobileOne we trained on CIFAR-10, how it was trained, how it scores, and its limits.'
	}
];

/** Pages reached from the landing page's cards (and from inside the site) but not from the header, which has no room for them at 375 px. */
export const CARD_ONLY_SECTIONS: readonly Section[] = [
	{
		href: '/family',
		label: 'The family',
		short: 'Family',
		blurb: 'RepVGG, ACNet, DBB, RepViT, FastViT, PP-LCNetV3: the same trick in each, their branches, the transforms they need, and their sizes train → deploy.'
	}
];
