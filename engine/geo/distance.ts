// Distances on the Earth, as a sphere of radius 6,371 km: good to about 0.5 %
// anywhere and far better at city scale, which is all an operations center needs.
// Never a projection library: these few formulas are the whole need.

/** Mean Earth radius, meters (the sphere every function here assumes). */
export const EARTH_RADIUS_M = 6_371_000;

/** Meters per degree of latitude on that sphere (about 111.2 km). */
export const METERS_PER_DEGREE = (EARTH_RADIUS_M * Math.PI) / 180;

const RAD = Math.PI / 180;

/**
 * Great-circle (haversine) distance in meters; NaN when a coordinate is NaN.
 * @example distanceMeters(21.0288, 105.8525, 21.0340, 105.8140) // ≈ 4,037 (Hoàn Kiếm to Ba Đình label points)
 */
export function distanceMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(Math.min(1, a)));
}
