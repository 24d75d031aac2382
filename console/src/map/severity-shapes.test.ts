import { describe, expect, it } from 'vitest';
import { severityColor } from '../theme/index.ts';
import { parseShapeImageId, SEVERITY_SHAPES, shapeImage, shapeImageId, signedDistance } from './severity-shapes.ts';

const SIZE = 40;
const alphaAt = (img: { data: Uint8Array }, x: number, y: number) => img.data[(y * SIZE + x) * 4 + 3]!;
const rgbAt = (img: { data: Uint8Array }, x: number, y: number) => [0, 1, 2].map((c) => img.data[(y * SIZE + x) * 4 + c]!);
const hex = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
/** The set of inked pixels, as a string, so two images can be compared by outline alone. */
const silhouette = (img: { data: Uint8Array }) => Array.from({ length: SIZE * SIZE }, (_, i) => (img.data[i * 4 + 3]! > 127 ? '#' : '.')).join('');

describe('signedDistance', () => {
  it('is negative inside a polygon, positive outside, and the distance to the nearest edge', () => {
    const square = SEVERITY_SHAPES[4].points;
    expect(signedDistance(square, 0, 0)).toBeCloseTo(-0.82);
    expect(signedDistance(square, 1, 0)).toBeCloseTo(0.18);
    expect(signedDistance(square, 0.82, 0.5)).toBeCloseTo(0);
  });
});

describe('shapeImage', () => {
  it('draws every severity as a different silhouette', () => {
    const shapes = ([1, 2, 3, 4] as const).map((r) => silhouette(shapeImage(r, false)));
    expect(new Set(shapes).size).toBe(4);
  });

  it('fills with the severity color inside and leaves the corners of a diamond empty', () => {
    const diamond = shapeImage(3, false);
    expect(rgbAt(diamond, 20, 20)).toEqual(hex(severityColor.major));
    expect(alphaAt(diamond, 20, 20)).toBe(255);
    expect(alphaAt(diamond, 2, 2)).toBe(0);
    const square = shapeImage(4, false);
    // A square reaches its corners; its rim (edge 4.8 px in, 4 px wide) is white, as the critical dot's was.
    expect(rgbAt(square, 10, 10)).toEqual(hex(severityColor.critical));
    expect(alphaAt(square, 10, 10)).toBe(255);
    expect(rgbAt(square, 20, 6)).toEqual([255, 255, 255]);
  });

  it('draws a stale sensor hollow, in its severity color, with the same outline', () => {
    const stale = shapeImage(4, true);
    expect(alphaAt(stale, 20, 20)).toBe(0);
    expect(rgbAt(stale, 20, 6)).toEqual(hex(severityColor.critical));
    expect(alphaAt(stale, 20, 6)).toBe(255);
  });
});

describe('shape image ids', () => {
  it('round-trip, and other ids are not shapes', () => {
    expect(parseShapeImageId(shapeImageId(2, true))).toEqual({ rank: 2, stale: true });
    expect(parseShapeImageId(shapeImageId(4, false))).toEqual({ rank: 4, stale: false });
    expect(parseShapeImageId('hatch-4')).toBeUndefined();
    expect(parseShapeImageId('sev-shape-0')).toBeUndefined();
  });
});
