/**
 * Views of a trace: the swimlane intervals the site's timelines draw.
 *
 * @module
 */
export * from "./timeline.js";
