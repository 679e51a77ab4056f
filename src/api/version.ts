/** This build's version, reported by `teleport version`, `tctl status` and the ping endpoints. */
export const VERSION = '0.1.0';
