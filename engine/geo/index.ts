// Geography: Hanoi's districts and the zone of a point.
export { distanceMeters, hanoiDistricts, parseDistrictsCsv, ZoneLocator, type District } from './districts.ts';
