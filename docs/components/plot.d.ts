// docs/components/plot.js (docs/tools/plot.ts) holds the Observable Plot functions the site calls, with Plot's types.
export * from "@observablehq/plot";
