// Wall mode (a video-wall layout with rotating views, one of them the city
// KPIs), windows kept in sync over BroadcastChannel, recovery from a lost WebGL
// context, and screen-reader announcements of new critical alerts and
// incidents, mounted in <ioc-console> as one controller.
export { newCriticals, type Announceable } from './announcements.ts';
export { cityKpis, TOP_ZONES, type CityKpis, type CityMoment, type ZoneLoad } from './city-kpis.ts';
export { CriticalIncidents, type CriticalNews, type IncidentLike } from './incident-announcements.ts';
export { grpcWebAlertsStarted, type AlertsStarted } from './kpi-client.ts';
export { WallKpis } from './wall-kpis.ts';
export { nextView, Rotation, type Timer } from './rotation.ts';
export { WallBar } from './wall-bar.ts';
export { asConnection, WallController, type IncidentSource, type WallControllerOptions, type WallHost } from './wall-controller.ts';
export { wallLayout } from './wall-layout.ts';
export { DEFAULT_ROTATE_MS, wallOptions, withWall, type WallOptions } from './wall-options.ts';
export { merge, WallSync, wallViews, type ChannelLike, type Stamped, type WallField, type WallMessage, type WallShared, type WallView } from './wall-sync.ts';
export { watchContext, type ContextHandlers, type ContextWatch } from './webgl-recovery.ts';
