// Wall mode as the page's address asks for it: `?wall=1` turns it on,
// `?rotate=20` sets the seconds between views (0 stops rotating).

export interface WallOptions {
  wall: boolean;
  rotateMs: number;
}

export const DEFAULT_ROTATE_MS = 20_000;

/** @example wallOptions('?wall=1&rotate=5') // { wall: true, rotateMs: 5000 } */
export function wallOptions(search: string): WallOptions {
  const params = new URLSearchParams(search);
  const wall = ['1', 'true', 'on'].includes(params.get('wall') ?? '');
  const seconds = Number(params.get('rotate'));
  return { wall, rotateMs: params.has('rotate') && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_ROTATE_MS };
}

/** The address with wall mode set or cleared, other parameters kept. */
export function withWall(href: string, wall: boolean): string {
  const url = new URL(href);
  if (wall) url.searchParams.set('wall', '1');
  else url.searchParams.delete('wall');
  return url.toString();
}
