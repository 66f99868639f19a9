/**
 * Sample pictures on the classify page, one per CIFAR-10 class, none of them from CIFAR. All may be
 * redistributed; static/samples/LICENSES.md has the full record and scripts/make-samples.py
 * rebuilds them from the Debian packages they come from. `label` is what the picture shows; the
 * e2e test checks the network's answer against it.
 */
export interface Sample {
	file: string;
	label: string;
	/** Alt text. */
	alt: string;
	/** Short credit shown under the thumbnail. */
	credit: string;
	licence: string;
}

export const SAMPLES: readonly Sample[] = [
	{
		file: 'airplane-747.jpg',
		label: 'airplane',
		alt: 'A Boeing 747 airliner, cut out on grey',
		credit: 'Albert Cahalan, Tux Paint',
		licence: 'GPL-2.0+'
	},
	{
		file: 'automobile-beetle.jpg',
		label: 'automobile',
		alt: 'A red Volkswagen Beetle, cut out on grey',
		credit: 'Caroline Ford, Tux Paint',
		licence: 'GPL-2.0+'
	},
	{
		file: 'bird-blackbird.jpg',
		label: 'bird',
		alt: 'A blackbird standing, cut out on grey',
		credit: 'Childsplay / Tux Paint',
		licence: 'GPL-2.0+'
	},
	{
		file: 'cat-chelsea.jpg',
		label: 'cat',
		alt: 'Close-up photo of a tabby cat’s face',
		credit: 'Stéfan van der Walt, scikit-image',
		licence: 'CC0'
	},
	{
		file: 'deer.jpg',
		label: 'deer',
		alt: 'A white-tailed deer stag, cut out on grey',
		credit: 'Childsplay / Tux Paint',
		licence: 'GPL-2.0+'
	},
	{
		file: 'dog.jpg',
		label: 'dog',
		alt: 'A short-haired dog standing, cut out on grey',
		credit: 'Childsplay / Tux Paint',
		licence: 'GPL-2.0+'
	},
	{
		file: 'frog.jpg',
		label: 'frog',
		alt: 'A green frog, cut out on grey',
		credit: 'Childsplay / Tux Paint',
		licence: 'GPL-2.0+'
	},
	{
		file: 'horse-silhouette.png',
		label: 'horse',
		alt: 'Black silhouette of a horse on white',
		credit: 'Andreas Preuss, scikit-image',
		licence: 'CC0'
	},
	{
		file: 'ship-junk.jpg',
		label: 'ship',
		alt: 'A Chinese junk with red hull and sails, cut out on grey',
		credit: 'Jim Trice, Tux Paint',
		licence: 'GPL-2.0+'
	},
	{
		file: 'truck-fire-engine.jpg',
		label: 'truck',
		alt: 'A red fire engine, cut out on grey',
		credit: 'Aaron M. Lang, Tux Paint',
		licence: 'CC BY 2.5'
	}
];

export const sampleUrl = (s: Sample) => `/samples/${s.file}`;
