// Severity told by shape as well as color, for color-blind operators: a sensor
// above normal is drawn as info ✚, minor ▲, major ◆, critical ■ (a normal one
// stays a small dot). One geometry serves the map's icons, drawn here pixel by
// pixel (pure, so no canvas and no DOM), and the legend's SVG marks.

import { svg, type SVGTemplateResult } from 'lit';
import { severityColor, wall } from '../theme/index.ts';

type Point = readonly [number, number];

/** Outline of each shape in a unit box (-1..1, y down), by severity rank (1 info … 4 critical). */
export const SEVERITY_SHAPES: Readonly<Record<1 | 2 | 3 | 4, { name: string; points: readonly Point[] }>> = {
  1: { name: 'plus', points: [[-0.3, -0.9], [0.3, -0.9], [0.3, -0.3], [0.9, -0.3], [0.9, 0.3], [0.3, 0.3], [0.3, 0.9], [-0.3, 0.9], [-0.3, 0.3], [-0.9, 0.3], [-0.9, -0.3], [-0.3, -0.3]] },
  2: { name: 'triangle', points: [[0, -0.95], [0.98, 0.8], [-0.98, 0.8]] },
  3: { name: 'diamond', points: [[0, -1], [1, 0], [0, 1], [-1, 0]] },
  4: { name: 'square', points: [[-0.82, -0.82], [0.82, -0.82], [0.82, 0.82], [-0.82, 0.82]] },
};

const RANK_COLOR = [severityColor.normal, severityColor.info, severityColor.minor, severityColor.major, severityColor.critical] as const;
/** Outlines as the circles had them: dark for info and minor, white and thicker for major and critical. */
const OUTLINE = ['', wall.background, wall.background, '#ffffff', '#ffffff'] as const;
const OUTLINE_PX = [0, 2, 2, 3, 4] as const;

/** The map image id of a rank's shape; stale sensors get the hollow one. */
export function shapeImageId(rank: number, stale: boolean): string {
  return `sev-shape-${rank}${stale ? '-stale' : ''}`;
}

/** Rank and staleness of a shape image id, or undefined when the id is not one. */
export function parseShapeImageId(id: string): { rank: 1 | 2 | 3 | 4; stale: boolean } | undefined {
  const m = /^sev-shape-([1-4])(-stale)?$/.exec(id);
  return m ? { rank: Number(m[1]) as 1 | 2 | 3 | 4, stale: m[2] !== undefined } : undefined;
}

/** Pixels per CSS pixel of the icons; drawn large and shown scaled, so they stay sharp on walls. */
export const SHAPE_PIXEL_RATIO = 2;
const SIZE = 40;

/**
 * The map icon of a severity rank: its shape filled with the severity's color and
 * outlined, or for a stale sensor only a ring of that color (hollow means stale,
 * as for the dots). Anti-aliased by the signed distance to the outline.
 * @example map.addImage('sev-shape-4', shapeImage(4, false), { pixelRatio: SHAPE_PIXEL_RATIO })
 */
export function shapeImage(rank: 1 | 2 | 3 | 4, stale: boolean): { width: number; height: number; data: Uint8Array } {
  const points = SEVERITY_SHAPES[rank].points;
  const fill = rgb(RANK_COLOR[rank]);
  const edge = stale ? fill : rgb(OUTLINE[rank]);
  const band = stale ? 4 : OUTLINE_PX[rank];
  const scale = SIZE / 2 - 1.5; // pixels per unit, leaving room for anti-aliasing
  const data = new Uint8Array(SIZE * SIZE * 4);
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      const d = signedDistance(points, (px + 0.5 - SIZE / 2) / scale, (py + 0.5 - SIZE / 2) / scale) * scale;
      const outer = clamp01(0.5 - d); // share of the pixel inside the outline
      const inner = clamp01(0.5 - (d + band)); // share inside the band, i.e. the fill
      const alpha = stale ? outer - inner : outer;
      if (alpha <= 0) continue;
      const f = stale || outer === 0 ? 0 : inner / outer;
      const i = (py * SIZE + px) * 4;
      for (let c = 0; c < 3; c++) data[i + c] = Math.round(edge[c]! * (1 - f) + fill[c]! * f);
      data[i + 3] = Math.round(alpha * 255);
    }
  }
  return { width: SIZE, height: SIZE, data };
}

/**
 * The legend's mark of a severity, as the map draws it, in SVG (presentation
 * attributes, no style attribute, so the strict CSP allows it).
 */
export function shapeMark(rank: 1 | 2 | 3 | 4): SVGTemplateResult {
  const points = SEVERITY_SHAPES[rank].points.map(([x, y]) => `${x},${y}`).join(' ');
  return svg`<svg class="shape" viewBox="-1.25 -1.25 2.5 2.5" width="14" height="14" aria-hidden="true">
    <polygon points=${points} fill=${RANK_COLOR[rank]} stroke=${OUTLINE[rank]} stroke-width=${OUTLINE_PX[rank] / 10} stroke-linejoin="round"></polygon></svg>`;
}

/** Distance from (x, y) to the polygon's outline, negative inside (even-odd rule). */
export function signedDistance(points: readonly Point[], x: number, y: number): number {
  let best = Infinity;
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [ax, ay] = points[j]!;
    const [bx, by] = points[i]!;
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
    if ((ay > y) !== (by > y) && x < ax + ((y - ay) * dx) / dy) inside = !inside;
  }
  return inside ? -best : best;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}
