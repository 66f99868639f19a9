/** Longest side kept after decoding; enough for a sharp preview and far more than 32 px. */
export const DECODE_MAX_SIDE = 1024;
/** Longer side an SVG is rasterized at: sharp in the preview, and it is vector anyway. */
export const SVG_RASTER_SIDE = 512;
