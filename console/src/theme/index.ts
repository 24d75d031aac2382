// Colors shared by the map and the panels of the dark wall.
export { severityColor, severityVars, wall } from './palette.ts';
