// Wall mode (a video-wall layout with rotating views), windows kept in sync over
// BroadcastChannel, recovery from a lost WebGL context, and screen-reader
// announcements, mounted in <ioc-console> as one controller.
export { newCriticals, type Announceable } from './announcements.ts';
export { nextView, Rotation, type Timer } from './rotation.ts';
export { WallBar } from './wall-bar.ts';
export { asConnection, WallController, type WallControllerOptions, type WallHost } from './wall-controller.ts';
export { wallLayout } from './wall-layout.ts';
export { DEFAULT_ROTATE_MS, wallOptions, withWall, type WallOptions } from './wall-options.ts';
export { merge, WallSync, wallViews, type ChannelLike, type Stamped, type WallField, type WallMessage, type WallShared, type WallView } from './wall-sync.ts';
export { watchContext, type ContextHandlers, type ContextWatch } from './webgl-recovery.ts';
