import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import { zoneNeighbours } from './adjacency.ts';
import { hanoiDistricts } from './districts.ts';
import type { Zone } from './zones.ts';

/** A lon/lat rectangle as a zone. */
const box = (id: string, west: number, south: number, east: number, north: number): Zone => ({
  id,
  polygons: [[[[west, south], [east, south], [east, north], [west, north], [west, south]]]],
  properties: {},
});
const M = 1 / 111_195; // about one meter of latitude, in degrees

describe('zoneNeighbours on the Hanoi districts', () => {
  const districts = hanoiDistricts();
  const neighbours = zoneNeighbours(districts);

  it('finds the districts around Hoàn Kiếm, and not the far ones', () => {
    const hoanKiem = neighbours.get('hoan-kiem')!;
    expect([...hoanKiem]).toEqual(expect.arrayContaining(['ba-dinh', 'hai-ba-trung', 'dong-da']));
    expect(hoanKiem.has('soc-son')).toBe(false);
    expect(hoanKiem.has('ba-vi')).toBe(false);
    expect(neighbours.get('soc-son')!.has('dong-anh')).toBe(true);
  });

  it('is symmetric and irreflexive, and gives every district at least one neighbour', () => {
    expect([...neighbours.keys()].sort()).toEqual(districts.map((d) => d.id).sort());
    for (const [id, near] of neighbours) {
      expect(near.has(id), id).toBe(false);
      expect(near.size, id).toBeGreaterThan(0);
      for (const other of near) expect(neighbours.get(other)!.has(id), `${other} → ${id}`).toBe(true);
    }
  });
});

describe('zoneNeighbours tolerance', () => {
  // Two blocks side by side with a 50 m gap between them, as simplified shapes often leave.
  const west = box('west', 105.80, 21.00, 105.81, 21.01);
  const east = box('east', 105.81 + 50 * M / Math.cos(21 * Math.PI / 180), 21.002, 105.82, 21.008);
  const far = box('far', 105.83, 21.00, 105.84, 21.01);

  it('counts boundaries within the tolerance as touching, though no vertex is shared', () => {
    expect(zoneNeighbours([west, east, far]).get('west')).toEqual(new Set(['east']));
    expect(zoneNeighbours([west, east, far], 40).get('west')).toEqual(new Set());
    expect(zoneNeighbours([west, east, far], 60).get('east')).toEqual(new Set(['west']));
    expect(zoneNeighbours([west, east, far]).get('far')).toEqual(new Set());
  });

  it('counts overlapping zones whose edges cross, even with no tolerance', () => {
    const cross = box('cross', 105.805, 20.99, 105.806, 21.02); // a strip through `west`, ends outside it
    expect(zoneNeighbours([west, cross], 0).get('cross')).toEqual(new Set(['west']));
  });

  it('refuses a tolerance that is not a distance', () => {
    expect(() => zoneNeighbours([west], -1)).toThrow(InvalidArgumentError);
    expect(() => zoneNeighbours([west], Number.NaN)).toThrow(/toleranceMeters/);
  });
});
