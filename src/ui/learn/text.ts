/**
 * Every word the lesson shows, read from messages/learn/{en,ko}.json through Paraglide. Numbers
 * are formatted by `$lib/format` here and passed in as strings; nothing here computes anything but
 * text. Every word is a getter or a function, read at render time, because one module renders
 * both languages' pages while prerendering. Facts follow ../shared/reference/mobileone.md and
 * reparam-family.md; each users' confusion listed there has its place in one chapter's `confusions`.
 */
import type { ChapterId } from '$lib/lesson/chapters';
import type { Given } from '$lib/lesson/exercises';
import type { LessonRefusal } from '$lib/lesson/network';
import { formatInt, formatPrecise, formatScientific } from '$lib/format';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';
import type { Slide } from './url';

/** What a chapter's words can refer to: the student's own block and channel. */
export interface Facts {
	block: string;
	channel: number;
	k: number;
	pointwiseBlock: string;
	pointwiseChannel: number;
	pointwiseIn: number;
}

export interface Confusion {
	q: string;
	a: string;
	/** Where users asked it: issue references, the same in every language. */
	source: string;
}

export interface ChapterText {
	readonly title: string;
	/** For the chapter list and the pager. */
	readonly short: string;
	idea: (f: Facts) => string[];
	readonly figureTitle: string;
	readonly confusions: Confusion[];
	question: (g: Given, f: Facts) => string;
	/** The worked answer, shown after two tries or once solved. */
	worked: (g: Given, answer: number | boolean, f: Facts) => string;
	/** Speaker notes, one per slide: `figure` has one per slide the figure is drawn over (see url.ts). */
	readonly notes: { idea: string; figure: string[]; confusions: string; question: string };
}

type Message = () => string;

const v = (x: number) => formatPrecise(x, 4);
const int = (n: number) => formatInt(n, getLocale());

/** One chapter's fixed words, as message functions; its idea, question and worked answer take numbers. */
function chapter(
	words: {
		title: Message;
		short: Message;
		figureTitle: Message;
		confusions: [q: Message, a: Message, source: string][];
		notes: { idea: Message; figure: Message[]; confusions: Message; question: Message };
	},
	numbered: Pick<ChapterText, 'idea' | 'question' | 'worked'>
): ChapterText {
	return {
		get title() {
			return words.title();
		},
		get short() {
			return words.short();
		},
		get figureTitle() {
			return words.figureTitle();
		},
		get confusions() {
			return words.confusions.map(([q, a, source]) => ({ q: q(), a: a(), source }));
		},
		get notes() {
			const n = words.notes;
			return { idea: n.idea(), figure: n.figure.map((f) => f()), confusions: n.confusions(), question: n.question() };
		},
		...numbered
	};
}

/** The speaker's note for one slide of a chapter. */
export function noteFor(text: ChapterText, slide: Slide): string {
	const n = text.notes;
	return slide.kind === 'figure' ? (n.figure[slide.part - 1] ?? n.figure[0]) : n[slide.kind];
}

export const CHAPTERS: Record<ChapterId, ChapterText> = {
	1: chapter(
		{
			title: m.learn_c1_title,
			short: m.learn_c1_short,
			figureTitle: m.learn_c1_figure,
			confusions: [[m.learn_c1_conf_1_q, m.learn_c1_conf_1_a, 'RepVGG #89']],
			notes: { idea: m.learn_c1_note_idea, figure: [m.learn_c1_note_figure_kernels, m.learn_c1_note_figure], confusions: m.learn_c1_note_confusions, question: m.learn_c1_note_question }
		},
		{
			idea: (f) => [m.learn_c1_idea_1(), m.learn_c1_idea_2(), m.learn_c1_idea_3({ block: f.block, channel: f.channel })],
			question: (g) => m.learn_c1_question({ a: v(g.withA), b: v(g.withB) }),
			worked: (g, a) => m.learn_c1_worked({ a: v(g.withA), b: v(g.withB), answer: v(a as number) })
		}
	),
	2: chapter(
		{
			title: m.learn_c2_title,
			short: m.learn_c2_short,
			figureTitle: m.learn_c2_figure,
			confusions: [
				[m.learn_c2_conf_1_q, m.learn_c2_conf_1_a, 'ml-mobileone #8; RepVGG #9, #19, #35, #100'],
				[m.learn_c2_conf_2_q, m.learn_c2_conf_2_a, 'ml-mobileone #19']
			],
			notes: { idea: m.learn_c2_note_idea, figure: [m.learn_c2_note_figure], confusions: m.learn_c2_note_confusions, question: m.learn_c2_note_question }
		},
		{
			idea: (f) => [m.learn_c2_idea_1(), m.learn_c2_idea_2(), m.learn_c2_idea_3(), m.learn_c2_idea_4({ block: f.block, channel: f.channel })],
			question: (g) => m.learn_c2_question({ gamma: v(g.gamma), variance: v(g.variance) }),
			worked: (g, a) => m.learn_c2_worked({ gamma: v(g.gamma), variance: v(g.variance), answer: v(a as number) })
		}
	),
	3: chapter(
		{
			title: m.learn_c3_title,
			short: m.learn_c3_short,
			figureTitle: m.learn_c3_figure,
			confusions: [
				[m.learn_c3_conf_1_q, m.learn_c3_conf_1_a, 'ACNet #2, #4'],
				[m.learn_c3_conf_2_q, m.learn_c3_conf_2_a, 'ACNet #43']
			],
			notes: { idea: m.learn_c3_note_idea, figure: [m.learn_c3_note_figure], confusions: m.learn_c3_note_confusions, question: m.learn_c3_note_question }
		},
		{
			idea: () => [m.learn_c3_idea_1(), m.learn_c3_idea_2(), m.learn_c3_idea_3()],
			question: (g) => m.learn_c3_question({ beta: v(g.beta), mean: v(g.mean), t: v(g.t) }),
			worked: (g, a) => m.learn_c3_worked({ beta: v(g.beta), mean: v(g.mean), t: v(g.t), answer: v(a as number) })
		}
	),
	4: chapter(
		{
			title: m.learn_c4_title,
			short: m.learn_c4_short,
			figureTitle: m.learn_c4_figure,
			confusions: [
				[m.learn_c4_conf_1_q, m.learn_c4_conf_1_a, 'RepVGG #119; ACNet #3, #39'],
				[m.learn_c4_conf_2_q, m.learn_c4_conf_2_a, 'ACNet #39'],
				[m.learn_c4_conf_3_q, m.learn_c4_conf_3_a, 'DBB #9, #39']
			],
			notes: { idea: m.learn_c4_note_idea, figure: [m.learn_c4_note_figure], confusions: m.learn_c4_note_confusions, question: m.learn_c4_note_question }
		},
		{
			idea: () => [m.learn_c4_idea_1(), m.learn_c4_idea_2()],
			question: (g) => m.learn_c4_question({ value: v(g.value) }),
			worked: () => m.learn_c4_worked()
		}
	),
	5: chapter(
		{
			title: m.learn_c5_title,
			short: m.learn_c5_short,
			figureTitle: m.learn_c5_figure,
			confusions: [
				[m.learn_c5_conf_1_q, m.learn_c5_conf_1_a, 'RepVGG #39, #78, #97'],
				[m.learn_c5_conf_2_q, m.learn_c5_conf_2_a, 'ACNet #39'],
				[m.learn_c5_conf_3_q, m.learn_c5_conf_3_a, 'DBB #21']
			],
			notes: { idea: m.learn_c5_note_idea, figure: [m.learn_c5_note_figure, m.learn_c5_note_figure_pointwise], confusions: m.learn_c5_note_confusions, question: m.learn_c5_note_question }
		},
		{
			idea: (f) => [
				m.learn_c5_idea_1(),
				m.learn_c5_idea_2(),
				m.learn_c5_idea_3(),
				m.learn_c5_idea_4({ block: f.block, pwblock: f.pointwiseBlock, pwin: f.pointwiseIn })
			],
			question: (g, f) => m.learn_c5_question({ pwblock: f.pointwiseBlock, cin: int(g.cin), groups: g.groups, channel: g.channel }),
			worked: (g) =>
				m.learn_c5_worked({ channel: g.channel, cin: g.cin, groups: g.groups, answer: Number(g.channel) % (g.cin / g.groups) })
		}
	),
	6: chapter(
		{
			title: m.learn_c6_title,
			short: m.learn_c6_short,
			figureTitle: m.learn_c6_figure,
			confusions: [
				[m.learn_c6_conf_1_q, m.learn_c6_conf_1_a, 'RepVGG #9, #19'],
				[m.learn_c6_conf_2_q, m.learn_c6_conf_2_a, 'RepVGG #59, #85']
			],
			notes: { idea: m.learn_c6_note_idea, figure: [m.learn_c6_note_figure_sum, m.learn_c6_note_figure_biases, m.learn_c6_note_figure], confusions: m.learn_c6_note_confusions, question: m.learn_c6_note_question }
		},
		{
			idea: (f) => [m.learn_c6_idea_1(), m.learn_c6_idea_2(), m.learn_c6_idea_3({ block: f.block, branches: f.k + 2 })],
			// The branch names are the weights' own key names (rbr_conv.0, rbr_scale, …), the same in every language.
			question: (g) =>
				m.learn_c6_question({
					list: Object.entries(g)
						.map(([k, x]) => `${k}: ${v(x)}`)
						.join(', ')
				}),
			worked: (g, a) => m.learn_c6_worked({ terms: Object.values(g).map(v).join(' + '), answer: v(a as number) })
		}
	),
	7: chapter(
		{
			title: m.learn_c7_title,
			short: m.learn_c7_short,
			figureTitle: m.learn_c7_figure,
			confusions: [
				[m.learn_c7_conf_1_q, m.learn_c7_conf_1_a, 'timm PR #1925'],
				[m.learn_c7_conf_2_q, m.learn_c7_conf_2_a, 'ml-mobileone #10']
			],
			notes: { idea: m.learn_c7_note_idea, figure: [m.learn_c7_note_figure], confusions: m.learn_c7_note_confusions, question: m.learn_c7_note_question }
		},
		{
			idea: (f) => [m.learn_c7_idea_1(), m.learn_c7_idea_2({ k: f.k }), m.learn_c7_idea_3()],
			question: (g) => m.learn_c7_question({ k: g.k }),
			worked: (g) =>
				m.learn_c7_worked({ k: g.k, fusedk: int(g.fusedK), fused1: int(g.fused1), traink: int(g.trainK), train1: int(g.train1) })
		}
	),
	8: chapter(
		{
			title: m.learn_c8_title,
			short: m.learn_c8_short,
			figureTitle: m.learn_c8_figure,
			confusions: [
				[m.learn_c8_conf_1_q, m.learn_c8_conf_1_a, 'RepVGG #47; pytorch #49226'],
				[m.learn_c8_conf_2_q, m.learn_c8_conf_2_a, 'ml-mobileone #9, #22; RepViT #50'],
				[m.learn_c8_conf_3_q, m.learn_c8_conf_3_a, 'ml-mobileone #22']
			],
			notes: { idea: m.learn_c8_note_idea, figure: [m.learn_c8_note_figure], confusions: m.learn_c8_note_confusions, question: m.learn_c8_note_question }
		},
		{
			idea: () => [m.learn_c8_idea_1(), m.learn_c8_idea_2()],
			question: (g) => m.learn_c8_question({ cout: int(g.cout), side: g.side, k: g.k }),
			worked: (g, a) => m.learn_c8_worked({ answer: String(a), k: g.k })
		}
	),
	9: chapter(
		{
			title: m.learn_c9_title,
			short: m.learn_c9_short,
			figureTitle: m.learn_c9_figure,
			confusions: [
				[m.learn_c9_conf_1_q, m.learn_c9_conf_1_a, 'RepVGG #89'],
				[m.learn_c9_conf_2_q, m.learn_c9_conf_2_a, 'ml-mobileone #8; RepVGG #9, #35']
			],
			notes: { idea: m.learn_c9_note_idea, figure: [m.learn_c9_note_figure], confusions: m.learn_c9_note_confusions, question: m.learn_c9_note_question }
		},
		{
			idea: (f) => [m.learn_c9_idea_1(), m.learn_c9_idea_2({ block: f.block })],
			question: () => m.learn_c9_question(),
			worked: (g, a) => (a ? m.learn_c9_worked_yes() : m.learn_c9_worked_no({ relative: formatScientific(g.relative) }))
		}
	)
};

/** The interface's own words: getters for fixed words, functions where numbers go in. */
export const UI = {
	get lessonTitle() {
		return m.learn_ui_lesson_title();
	},
	get lessonEyebrow() {
		return m.learn_ui_lesson_eyebrow();
	},
	get lessonLede() {
		return m.learn_ui_lesson_lede();
	},
	chapterDescription: (n: number, title: string) => m.learn_ui_chapter_description({ n, title }),
	get start() {
		return m.learn_ui_start();
	},
	resume: (n: number) => m.learn_ui_resume({ n }),
	chapterN: (n: number) => m.learn_ui_chapter_n({ n }),
	get chapterList() {
		return m.learn_ui_chapter_list();
	},
	get status() {
		return { new: m.learn_ui_status_new(), tried: m.learn_ui_status_tried(), solved: m.learn_ui_status_solved() } as const;
	},
	progress: (solved: number) => m.learn_ui_progress({ solved }),
	get loading() {
		return m.learn_ui_loading();
	},
	loadFailed: (message: string) => m.learn_ui_load_failed({ message }),
	get preparing() {
		return m.learn_ui_preparing();
	},
	get figure() {
		return m.learn_ui_figure();
	},
	get confusions() {
		return m.learn_ui_confusions();
	},
	get question() {
		return m.learn_ui_question();
	},
	tolerance: (t: { relative: number; absolute: number }) =>
		t.relative === 0 && t.absolute === 0
			? m.learn_ui_tolerance_exact()
			: m.learn_ui_tolerance_within({ relative: t.relative * 100, absolute: t.absolute }),
	get answerLabel() {
		return m.learn_ui_answer_label();
	},
	get check() {
		return m.learn_ui_check();
	},
	get yes() {
		return m.learn_ui_yes();
	},
	get no() {
		return m.learn_ui_no();
	},
	get correct() {
		return m.learn_ui_correct();
	},
	wrong: (tries: number) => (tries >= 2 ? m.learn_ui_wrong_worked() : m.learn_ui_wrong_again()),
	get unreadable() {
		return m.learn_ui_unreadable();
	},
	get worked() {
		return m.learn_ui_worked();
	},
	tries: (n: number) => (n === 1 ? m.learn_ui_tries_one({ n }) : m.learn_ui_tries_many({ n })),
	get previous() {
		return m.learn_ui_previous();
	},
	get next() {
		return m.learn_ui_next();
	},
	get finish() {
		return m.learn_ui_finish();
	},
	get explorerLink() {
		return m.learn_ui_explorer_link();
	},
	get resetProgress() {
		return m.learn_ui_reset_progress();
	},
	get present() {
		return m.learn_ui_present();
	},
	get presentHint() {
		return m.learn_ui_present_hint();
	},
	get leavePresent() {
		return m.learn_ui_leave_present();
	},
	get openNotes() {
		return m.learn_ui_open_notes();
	},
	slideN: (n: number, of: number) => m.learn_ui_slide_n({ n, of }),
	get notesTitle() {
		return m.learn_ui_notes_title();
	},
	get notesWaiting() {
		return m.learn_ui_notes_waiting();
	},
	get source() {
		return m.learn_ui_source();
	},
	// figures
	get kernelA() {
		return m.learn_ui_kernel_a();
	},
	get kernelB() {
		return m.learn_ui_kernel_b();
	},
	get kernelSum() {
		return m.learn_ui_kernel_sum();
	},
	get patch() {
		return m.learn_ui_patch();
	},
	get outA() {
		return m.learn_ui_out_a();
	},
	get outSum() {
		return m.learn_ui_out_sum();
	},
	get pickTap() {
		return m.learn_ui_pick_tap();
	},
	tapValue: (tap: number) => m.learn_ui_tap_value({ row: Math.floor(tap / 3), column: tap % 3 }),
	linearityDelta: (delta: string) => m.learn_ui_linearity_delta({ delta }),
	get resetA() {
		return m.learn_ui_reset_a();
	},
	get xLabel() {
		return m.learn_ui_x_label();
	},
	get evalMode() {
		return m.learn_ui_eval_mode();
	},
	get trainMode() {
		return m.learn_ui_train_mode();
	},
	batch: (n: number) => m.learn_ui_batch({ n }),
	bnFormula: (t: string, s: string) => m.learn_ui_bn_formula({ t, s }),
	get bnTable() {
		return m.learn_ui_bn_table();
	},
	get paramsTable() {
		return m.learn_ui_params_table();
	},
	get trafficTable() {
		return m.learn_ui_traffic_table();
	},
	get paramsK() {
		return m.learn_ui_params_k();
	},
	get paramsTrain() {
		return m.learn_ui_params_train();
	},
	get paramsFused() {
		return m.learn_ui_params_fused();
	},
	get trafficMaps() {
		return m.learn_ui_traffic_maps();
	},
	get trafficBytes() {
		return m.learn_ui_traffic_bytes();
	},
	get trafficOps() {
		return m.learn_ui_traffic_ops();
	},
	get trafficUnfused() {
		return m.learn_ui_traffic_unfused();
	},
	get trafficFused() {
		return m.learn_ui_traffic_fused();
	},
	get latencyLink() {
		return m.learn_ui_latency_link();
	},
	get offCentre() {
		return m.learn_ui_off_centre();
	},
	offCentreResult: (relative: string, ok: boolean) =>
		ok ? m.learn_ui_off_centre_agrees({ relative }) : m.learn_ui_off_centre_breaks({ relative }),
	cellGrid: (n: number) => m.learn_ui_cell_grid({ n }),
	cellName: (i: number, size: number) =>
		size === 1 ? m.learn_ui_cell_channel({ i }) : m.learn_ui_cell_tap({ row: Math.floor(i / size), column: i % size }),
	// whose weights
	get weightsSwitch() {
		return m.learn_ui_weights_switch();
	},
	get weightsOurs() {
		return m.learn_ui_weights_ours();
	},
	weightsYours: (name: string) => m.learn_ui_weights_yours({ name }),
	/** The figure's caption: the file name when the weights are the visitor's, null for ours. */
	whose: (ownName: string | null) => (ownName === null ? m.learn_ui_whose_ours() : m.learn_ui_whose_yours({ name: ownName })),
	/** Why the visitor's network (`name`, null when none is kept) cannot carry the lesson, in one sentence. */
	ownRefused: (r: LessonRefusal | { reason: 'none' }, name: string | null): string => {
		const n = name ?? '';
		switch (r.reason) {
			case 'none':
				return m.learn_ui_own_none();
			case 'onnx':
				return m.learn_ui_own_onnx({ name: n });
			case 'fused':
				return m.learn_ui_own_fused({ name: n });
			case 'family':
				return m.learn_ui_own_family({ name: n, families: r.families.join(', ') });
			case 'blocks':
				return m.learn_ui_own_blocks({ name: n });
			case 'unreadable':
				return m.learn_ui_own_unreadable({ name: n, detail: r.detail });
		}
	},
	foldTitle: (label: string, block: string, channel: number) => m.learn_ui_fold_title({ label, block, channel }),
	identityLabel: (block: string, channel: number) => m.learn_ui_identity_label({ block, channel })
};
